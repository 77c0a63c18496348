import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

// Operator endpoints (admin role). The view renders whatever shape they return: tables for lists, charts for numbers.
export const opsEndpoints = {
  /** Live Api instances from their heartbeats: [{ instance, service, startedAt, lastSeen, executorSlots, slotsInUse, executing[] }] */
  instances: '/api/ops/instances',
  /** { queued, running, cancelling, oldestQueuedAt, users: [{ userId, email, running, queued, lastDispatchedAt }] } */
  queue: '/api/ops/queue',
} as const;

export function useOpsResource(name: keyof typeof opsEndpoints, refetchIntervalMs: number) {
  return useQuery({
    queryKey: [...queryKeys.ops, name],
    queryFn: ({ signal }) => api.get<unknown>(opsEndpoints[name], { signal }),
    refetchInterval: refetchIntervalMs,
    refetchIntervalInBackground: false,
    staleTime: 0,
    retry: false,
  });
}
