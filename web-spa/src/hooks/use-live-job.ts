import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useFallbackPolling, useLiveConnection } from '@/hooks/use-live-connection';
import { jobLiveQueryOptions, queuedPollInterval } from '@/lib/api/get-job';
import { isActive } from '@/lib/job-state';

/** A job kept current: its REST snapshot, then every event from the hub in seq order, for as long as it is shown. */
export function useLiveJob(jobId: string, enabled = true) {
  const live = useLiveConnection();
  const fallback = useFallbackPolling(3_000);
  const query = useQuery({
    ...jobLiveQueryOptions(jobId),
    enabled,
    // Without the hub an active job is polled, so progress still shows (coarser) until the connection is back.
    refetchInterval: (q) => (fallback && q.state.data && isActive(q.state.data.state.job.state) ? fallback : queuedPollInterval(q.state.data)),
  });
  useEffect(() => (enabled ? live.watchJob(jobId) : undefined), [live, jobId, enabled]);
  return query;
}
