// GET /api/me/usage: running and queued jobs against the user's limits (the hub's SubscribeUser keeps it current).
import { queryOptions, useQuery } from '@tanstack/react-query';
import { useFallbackPolling } from '@/hooks/use-live-connection';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { UsageView } from '@/types/api';

export function getUsage(signal?: AbortSignal): Promise<UsageView> {
  return dataOf(apiClient.GET('/api/me/usage', { signal }));
}

export const usageQueryOptions = queryOptions({
  queryKey: queryKeys.usage,
  queryFn: ({ signal }) => getUsage(signal),
  // Kept live by SubscribeUser; the poll is only a safety net for missed user events.
  staleTime: 15_000,
  refetchInterval: 30_000,
});

export function useUsage() {
  const fallback = useFallbackPolling(5_000);
  return useQuery({ ...usageQueryOptions, refetchInterval: fallback || usageQueryOptions.refetchInterval });
}
