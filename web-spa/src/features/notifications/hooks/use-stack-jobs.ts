import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useDismissedJobs } from '@/features/notifications/hooks/use-dismissed-jobs';
import { useFallbackPolling } from '@/hooks/use-live-connection';
import { jobListQueryOptions } from '@/lib/api/get-jobs';
import { isActive, type LiveJob } from '@/lib/job-state';

export const maxVisibleCards = 5;
/** Finished jobs stay in the stack until dismissed, but not forever: older ones live in History. */
const finishedWindowMs = 60 * 60_000;
const stackListParams = { page: 1, pageSize: 30 };

export function selectStackJobs(jobs: LiveJob[], dismissed: ReadonlySet<string>, now: number): LiveJob[] {
  return jobs
    .filter((job) => {
      if (dismissed.has(job.id)) return false;
      if (isActive(job.state)) return true;
      const finished = Date.parse(job.finishedAt ?? job.createdAt ?? '');
      return Number.isFinite(finished) && now - finished < finishedWindowMs;
    })
    .sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') || b.id.localeCompare(a.id));
}

/** Jobs the stack shows, newest first: every active job, plus finished ones the user has not dismissed yet. */
export function useStackJobs() {
  // User events refresh the list; without the hub it is polled instead.
  const list = useQuery({ ...jobListQueryOptions(stackListParams), refetchInterval: useFallbackPolling(10_000) });
  const { dismissed, dismiss } = useDismissedJobs();
  // "Recently finished" is measured when the list or the dismissals change, which is when the stack is worked out again.
  // eslint-disable-next-line react-hooks/purity
  const jobs = useMemo(() => selectStackJobs(list.data?.items ?? [], dismissed, Date.now()), [list.data, dismissed]);
  return { jobs, dismiss, isPending: list.isPending };
}
