// DELETE /api/jobs/{id}: a finished job and its results.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { showToast, toastFailure } from '@/lib/toast';

export function deleteJob(jobId: string): Promise<void> {
  return dataOf(apiClient.DELETE('/api/jobs/{id}', { params: { path: { id: jobId } } }));
}

export function useDeleteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteJob,
    onSuccess: (_, jobId) => {
      queryClient.removeQueries({ queryKey: queryKeys.jobs.live(jobId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
      showToast({ tone: 'success', title: 'Job deleted' });
    },
    onError: toastFailure('Could not delete the job'),
  });
}
