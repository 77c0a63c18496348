// POST /api/jobs/{id}/retry: a new attempt of a finished job.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiClient, dataOf, describeError } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { showToast } from '@/lib/toast';
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
    onError: (error) => showToast({ tone: 'error', title: 'Could not retry the job', message: describeError(error) }),
  });
}
