import { appendSample, flattenNumbers, maxSamples, seriesData, type Sample } from '@/features/ops/utils/flatten-metrics';

test('numeric leaves are named by their path, arrays by their items’ names', () => {
  const flat = flattenNumbers({ queueDepth: 4, at: '2026-01-01', instances: [{ name: 'api-0', slotsInUse: 3, healthy: true }], nested: { p99: 12.5 } });
  expect(flat).toEqual({ queueDepth: 4, 'instances.api-0.slotsInUse': 3, 'nested.p99': 12.5 });
});

test('the sample window is bounded and series keep gaps', () => {
  let samples: Sample[] = Array.from({ length: maxSamples }, (_, i) => ({ t: i, values: { a: i } }));
  samples = appendSample(samples, { t: 999, values: { b: 1 } });
  expect(samples).toHaveLength(maxSamples);
  const [x, y] = seriesData(samples, 'a');
  expect(x.at(-1)).toBe(999);
  expect(y.at(-1)).toBeNull();
});
