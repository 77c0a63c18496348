import { useQueryClient } from '@tanstack/react-query';
import { seedJob } from '@/lib/api/get-job';
import { queryKeys } from '@/lib/query-keys';
import type { JobView } from '@/types/api';

/** A double click or a retried request must not make two jobs: every submission carries a fresh key. */
export function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

/** Accepted jobs go into the live cache at once (the stack shows them), and the lists and usage are refetched. */
export function useAfterSubmit() {
  const queryClient = useQueryClient();
  return (jobs: JobView[]) => {
    jobs.forEach((job) => seedJob(queryClient, job));
    void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
    void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
  };
}
