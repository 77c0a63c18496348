// GET /api/formats: the format registry (what this instance can produce), for the format picker.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { FormatView } from '@/types/api';

export function getFormats(signal?: AbortSignal): Promise<FormatView[]> {
  return dataOf(apiClient.GET('/api/formats', { signal }));
}

export const formatsQueryOptions = queryOptions({
  queryKey: queryKeys.formats,
  queryFn: ({ signal }) => getFormats(signal),
  staleTime: 10 * 60_000,
});

export function useFormats() {
  return useQuery(formatsQueryOptions);
}

/** Formats that need a browser capture only make sense for URLs. */
export function formatsFor(formats: FormatView[], kind: 'url' | 'text'): FormatView[] {
  return kind === 'url' ? formats : formats.filter((format) => !format.needs.includes('capture'));
}
