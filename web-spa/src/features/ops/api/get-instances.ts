// GET /api/ops/instances (admin): live Api instances from their heartbeats.
import { useQuery } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { opsPolling } from '@/features/ops/api/ops-polling';
import type { InstanceHeartbeatView } from '@/types/api';

export function getInstances(signal?: AbortSignal): Promise<InstanceHeartbeatView[]> {
  return dataOf(apiClient.GET('/api/ops/instances', { signal }));
}

export function useInstances(refetchIntervalMs: number) {
  return useQuery({
    queryKey: queryKeys.ops.instances,
    queryFn: ({ signal }) => getInstances(signal),
    ...opsPolling(refetchIntervalMs),
  });
}
