// GET /api/ops/instances (admin): live Api instances from their heartbeats.
import { useQuery } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { InstanceHeartbeatView } from '@/types/api';

export function getInstances(signal?: AbortSignal): Promise<InstanceHeartbeatView[]> {
  return dataOf(apiClient.GET('/api/ops/instances', { signal }));
}

export function useInstances(refetchIntervalMs: number) {
  return useQuery({
    queryKey: queryKeys.ops.instances,
    queryFn: ({ signal }) => getInstances(signal),
    refetchInterval: refetchIntervalMs,
    refetchIntervalInBackground: false,
    staleTime: 0,
    retry: false,
  });
}
