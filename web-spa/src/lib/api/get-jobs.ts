// GET /api/jobs: a page of the user's jobs (history, and the stack's recent jobs).
import { queryOptions } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { queryKeys, type JobListParams } from '@/lib/query-keys';
import type { JobPage } from '@/types/api';

export function getJobs(params: JobListParams, signal?: AbortSignal): Promise<JobPage> {
  const { page, pageSize, state, search } = params;
  return dataOf(apiClient.GET('/api/jobs', { params: { query: { page, pageSize, state: state || undefined, search: search || undefined } }, signal }));
}

export function jobListQueryOptions(params: JobListParams) {
  return queryOptions({
    queryKey: queryKeys.jobs.list(params),
    queryFn: ({ signal }) => getJobs(params, signal),
    staleTime: 5_000,
  });
}
