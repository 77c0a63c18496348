// GET /api/ops/queue (admin): queued, running and cancelling jobs, overall and for the busiest users.
import { useQuery } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { opsPolling } from '@/features/ops/api/ops-polling';
import type { QueueView } from '@/types/api';

export function getQueue(signal?: AbortSignal): Promise<QueueView> {
  return dataOf(apiClient.GET('/api/ops/queue', { signal }));
}

export function useQueue(refetchIntervalMs: number) {
  return useQuery({
    queryKey: queryKeys.ops.queue,
    queryFn: ({ signal }) => getQueue(signal),
    ...opsPolling(refetchIntervalMs),
  });
}
