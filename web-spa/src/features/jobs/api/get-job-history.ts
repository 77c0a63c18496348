import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { backfillHistory, type JobStore } from '@/lib/job-state';
import { getAllJobEvents } from '@/lib/jobs-api';
import { queryKeys } from '@/lib/query-keys';

const maxJoinAttempts = 3;

/**
 * The job page wants the whole timeline and all streamed text, but a refresh starts from a snapshot.
 * Fetches the event history once and folds it in; if live events overtook the fetch, tries again (bounded).
 */
export function useJobHistory(jobId: string, store: JobStore | undefined) {
  const queryClient = useQueryClient();
  const needed = !!store && store.state.historyFrom > 0;
  const attempts = useRef(0);
  const history = useQuery({
    queryKey: ['jobs', 'history', jobId],
    queryFn: ({ signal }) => getAllJobEvents(jobId, signal),
    enabled: needed,
    staleTime: Infinity,
    gcTime: 0,
  });

  useEffect(() => {
    if (!needed || !history.data || history.isFetching) return;
    const key = queryKeys.jobs.live(jobId);
    const current = queryClient.getQueryData<JobStore>(key);
    if (!current) return;
    const next = backfillHistory(current, history.data);
    if (next !== current) {
      queryClient.setQueryData(key, next);
      attempts.current = 0;
    } else if (attempts.current < maxJoinAttempts) {
      attempts.current++;
      void history.refetch();
    }
  }, [needed, history, jobId, queryClient]);

  return { loadingHistory: needed && history.isFetching };
}
