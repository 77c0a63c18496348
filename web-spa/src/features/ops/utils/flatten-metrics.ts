/** Every numeric leaf of a metrics document, keyed by its path ("queue.depth", "api-0.executorSlots.inUse"). */
export function flattenNumbers(value: unknown, prefix = '', out: Record<string, number> = {}, depth = 0): Record<string, number> {
  if (depth > 5 || value === null || value === undefined) return out;
  if (typeof value === 'number' && Number.isFinite(value)) {
    out[prefix || 'value'] = value;
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const record = item as Record<string, unknown> | null;
      const name = record && typeof record === 'object' ? (record.name ?? record.instance ?? record.id ?? i) : i;
      flattenNumbers(item, prefix ? `${prefix}.${String(name)}` : String(name), out, depth + 1);
    });
    return out;
  }
  if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      flattenNumbers(item, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    }
  }
  return out;
}

export interface Sample {
  /** Unix seconds (uPlot's x axis). */
  t: number;
  values: Record<string, number>;
}

export const maxSamples = 150;

export function appendSample(samples: readonly Sample[], sample: Sample): Sample[] {
  const next = [...samples, sample];
  return next.length > maxSamples ? next.slice(next.length - maxSamples) : next;
}

/** Columns for uPlot: [x[], y[]] with nulls where a sample lacked the series. */
export function seriesData(samples: readonly Sample[], key: string): [number[], (number | null)[]] {
  return [samples.map((s) => s.t), samples.map((s) => (key in s.values ? s.values[key] : null))];
}
