import { useMutation, useQueryClient } from '@tanstack/react-query';
import { describeError } from '@/lib/api-client';
import { normaliseJob } from '@/lib/job-state';
import { cancelJob, seedJob } from '@/lib/jobs-api';
import { queryKeys } from '@/lib/query-keys';
import { showToast } from '@/lib/toast';

/** Cancel from the stack or the job page; the state change itself arrives as a job event. */
export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => cancelJob(jobId),
    onSuccess: (job, jobId) => {
      // The answer is the job as of the cancel; the cancelled state itself also arrives as an event.
      if (job && typeof job === 'object') seedJob(queryClient, normaliseJob(job));
      else void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.live(jobId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
    onError: (error) => showToast({ tone: 'error', title: 'Could not cancel the job', message: describeError(error) }),
  });
}
