import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

// Operator endpoints (admin role). The view renders whatever shape they return: tables for lists, charts for numbers.
export const opsEndpoints = {
  instances: '/api/ops/instances',
  health: '/api/ops/health',
  metrics: '/api/ops/metrics',
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
