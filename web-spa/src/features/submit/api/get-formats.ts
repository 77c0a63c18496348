import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { FormatInfo } from '@/types/api';

/** "Text, Capture" (flags enum), ["text","capture"] or a number: we only need the names. */
function parseNeeds(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).toLowerCase());
  if (typeof value === 'string') return value.split(/[,|\s]+/).filter(Boolean).map((v) => v.toLowerCase()).filter((v) => v !== 'none');
  if (typeof value === 'number') {
    const names: [number, string][] = [[1, 'text'], [2, 'capture'], [4, 'model']];
    return names.filter(([flag]) => (value & flag) !== 0).map(([, name]) => name);
  }
  return [];
}

export function parseFormats(raw: unknown): FormatInfo[] {
  const list = Array.isArray(raw) ? raw : ((raw as { formats?: unknown[] } | undefined)?.formats ?? []);
  return list
    .map((item) => item as Record<string, unknown>)
    .filter((item) => typeof item.name === 'string' && item.available !== false && item.enabled !== false)
    .map((item) => ({
      name: item.name as string,
      description: typeof item.description === 'string' ? item.description : '',
      needs: parseNeeds(item.needs),
      isDefault: item.isDefault === true || item.default === true,
      contentType: typeof item.contentType === 'string' ? item.contentType : undefined,
    }));
}

export const formatsQueryOptions = queryOptions({
  queryKey: queryKeys.formats,
  queryFn: async ({ signal }) => parseFormats(await api.get<unknown>('/api/formats', { signal })),
  staleTime: 10 * 60_000,
});

export function useFormats() {
  return useQuery(formatsQueryOptions);
}

/** Formats that need a browser capture only make sense for URLs. */
export function formatsFor(formats: FormatInfo[], kind: 'url' | 'text'): FormatInfo[] {
  return kind === 'url' ? formats : formats.filter((format) => !format.needs.includes('capture'));
}
