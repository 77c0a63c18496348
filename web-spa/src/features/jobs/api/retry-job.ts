// POST /api/jobs/{id}/retry: a new attempt of a finished job.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { toastFailure } from '@/lib/toast';
import type { JobView } from '@/types/api';

export function retryJob(jobId: string): Promise<JobView> {
  return dataOf(apiClient.POST('/api/jobs/{id}/retry', { params: { path: { id: jobId } } }));
}

export function useRetryJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: retryJob,
    onSuccess: (_, jobId) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.live(jobId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
    onError: toastFailure('Could not retry the job'),
  });
}
