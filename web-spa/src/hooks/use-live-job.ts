import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLiveConnection } from '@/hooks/use-live-connection';
import { jobLiveQueryOptions } from '@/lib/jobs-api';

/** A job kept current: its REST snapshot, then every event from the hub in seq order, for as long as it is shown. */
export function useLiveJob(jobId: string, enabled = true) {
  const live = useLiveConnection();
  const query = useQuery({ ...jobLiveQueryOptions(jobId), enabled });
  useEffect(() => (enabled ? live.watchJob(jobId) : undefined), [live, jobId, enabled]);
  return query;
}
