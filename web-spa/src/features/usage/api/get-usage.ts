import { queryOptions, useQuery } from '@tanstack/react-query';
import { useFallbackPolling } from '@/hooks/use-live-connection';
import { api } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { Usage } from '@/types/api';

export const usageQueryOptions = queryOptions({
  queryKey: queryKeys.usage,
  queryFn: ({ signal }) => api.get<Usage>('/api/me/usage', { signal }),
  // Kept live by SubscribeUser; the poll is only a safety net for missed user events.
  staleTime: 15_000,
  refetchInterval: 30_000,
});

export function useUsage() {
  const fallback = useFallbackPolling(5_000);
  return useQuery({ ...usageQueryOptions, refetchInterval: fallback || usageQueryOptions.refetchInterval });
}
