import { formatDuration, formatName, formatPercent } from '@/utils/format';

test('durations read naturally', () => {
  expect(formatDuration(8_400)).toBe('8s');
  expect(formatDuration(65_000)).toBe('1m 05s');
  expect(formatDuration(7_380_000)).toBe('2h 03m');
  expect(formatDuration(-5)).toBe('0s');
});

test('format names', () => {
  expect(formatName('llm-summary')).toBe('LLM summary');
  expect(formatName('text-stats')).toBe('Text stats');
  expect(formatName('pdf')).toBe('PDF');
});

test('percent is clamped', () => {
  expect(formatPercent(0.456)).toBe('46%');
  expect(formatPercent(1.2)).toBe('100%');
});
