// GET /api/jobs/{id}: the job's snapshot, kept in the live cache every view of the job reads (the stack, the job page).
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { applyJobSnapshot, type JobStore, type LiveJob } from '@/lib/job-state';
import { queryKeys } from '@/lib/query-keys';
import type { JobView } from '@/types/api';

export function getJob(jobId: string, signal?: AbortSignal): Promise<JobView> {
  return dataOf(apiClient.GET('/api/jobs/{id}', { params: { path: { id: jobId } }, signal }));
}

/** Queue position changes with other people's jobs, so no event of this job tells us: poll it while queued. */
export function queuedPollInterval(store: JobStore | undefined): number | false {
  return store?.state.job.state === 'queued' ? 5_000 : false;
}

/** The job's live store. Refetching merges: a snapshot older than the events we hold never rolls the job back. */
export function jobLiveQueryOptions(jobId: string) {
  return queryOptions({
    queryKey: queryKeys.jobs.live(jobId),
    queryFn: async ({ client, signal }): Promise<JobStore> => {
      const snapshot = await getJob(jobId, signal);
      return applyJobSnapshot(client.getQueryData<JobStore>(queryKeys.jobs.live(jobId)), snapshot);
    },
    staleTime: 30_000,
    refetchInterval: (query) => queuedPollInterval(query.state.data),
  });
}

/** Puts a job the server just returned into the live cache, so the stack shows it before any refetch. */
export function seedJob(queryClient: QueryClient, snapshot: LiveJob): void {
  const key = queryKeys.jobs.live(snapshot.id);
  queryClient.setQueryData<JobStore>(key, (existing) => applyJobSnapshot(existing, snapshot));
}
