// GET /api/jobs/{id}/events: the job's event history, folded into the live store for the job page's timeline.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { apiClient, dataOf } from '@/lib/api-client';
import { backfillHistory, type JobStore } from '@/lib/job-state';
import { queryKeys } from '@/lib/query-keys';
import type { JobEventView, JobEventsPage } from '@/types/api';

export function getJobEvents(jobId: string, after: number, signal?: AbortSignal): Promise<JobEventsPage> {
  return dataOf(apiClient.GET('/api/jobs/{id}/events', { params: { path: { id: jobId }, query: { after } }, signal }));
}

/** Every event of a job from seq 1, following pages until the server has nothing newer (bounded). */
export async function getAllJobEvents(jobId: string, signal?: AbortSignal): Promise<JobEventView[]> {
  const all: JobEventView[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const { events } = await getJobEvents(jobId, after, signal);
    const newer = events.filter((event) => event.seq > after);
    if (newer.length === 0) break;
    all.push(...newer);
    after = Math.max(...newer.map((event) => event.seq));
  }
  return all;
}

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
    queryKey: queryKeys.jobs.history(jobId),
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
