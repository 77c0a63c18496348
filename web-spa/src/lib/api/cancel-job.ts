// POST /api/jobs/{id}/cancel, from the stack and from the job page.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { seedJob } from '@/lib/api/get-job';
import { queryKeys } from '@/lib/query-keys';
import { toastFailure } from '@/lib/toast';
import type { JobView } from '@/types/api';

export function cancelJob(jobId: string): Promise<JobView> {
  return dataOf(apiClient.POST('/api/jobs/{id}/cancel', { params: { path: { id: jobId } } }));
}

/** The answer is the job as of the cancel; the cancelled state itself also arrives as a job event. */
export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelJob,
    onSuccess: (job) => {
      seedJob(queryClient, job);
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
    onError: toastFailure('Could not cancel the job'),
  });
}
