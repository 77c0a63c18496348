import { useMutation, useQueryClient } from '@tanstack/react-query';
import { describeError } from '@/lib/api-client';
import { deleteJob, retryJob } from '@/lib/jobs-api';
import { queryKeys } from '@/lib/query-keys';
import { showToast } from '@/lib/toast';

export function useRetryJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => retryJob(jobId),
    onSuccess: (_, jobId) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.live(jobId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
    onError: (error) => showToast({ tone: 'error', title: 'Could not retry the job', message: describeError(error) }),
  });
}

export function useDeleteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => deleteJob(jobId),
    onSuccess: (_, jobId) => {
      queryClient.removeQueries({ queryKey: queryKeys.jobs.live(jobId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
      showToast({ tone: 'success', title: 'Job deleted' });
    },
    onError: (error) => showToast({ tone: 'error', title: 'Could not delete the job', message: describeError(error) }),
  });
}
