// Job resources shared by several features (the stack, the job page, history): fetchers and their query options.
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, buildUrl } from '@/lib/api-client';
import { applyJobSnapshot, normaliseEvent, normaliseJob, type JobStore } from '@/lib/job-state';
import { queryKeys, type JobListParams } from '@/lib/query-keys';
import type { JobEvent, JobSnapshot, Page } from '@/types/api';

const jobPath = (jobId: string) => `/api/jobs/${encodeURIComponent(jobId)}`;

export async function getJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot> {
  return normaliseJob(await api.get<unknown>(jobPath(jobId), { signal }));
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
export function seedJob(queryClient: QueryClient, snapshot: JobSnapshot): void {
  if (!snapshot.id) return;
  const key = queryKeys.jobs.live(snapshot.id);
  queryClient.setQueryData<JobStore>(key, (existing) => applyJobSnapshot(existing, snapshot));
}

export function parsePage(raw: unknown, params: JobListParams): Page<JobSnapshot> {
  if (Array.isArray(raw)) return { items: raw.map(normaliseJob), total: null, page: params.page, pageSize: params.pageSize };
  const body = (raw ?? {}) as Record<string, unknown>;
  const items = (body.items ?? body.jobs ?? body.data ?? []) as unknown[];
  const total = body.total ?? body.totalCount ?? body.count;
  return {
    items: Array.isArray(items) ? items.map(normaliseJob) : [],
    total: typeof total === 'number' ? total : null,
    page: typeof body.page === 'number' ? body.page : params.page,
    pageSize: typeof body.pageSize === 'number' ? body.pageSize : params.pageSize,
  };
}

export async function getJobs(params: JobListParams, signal?: AbortSignal): Promise<Page<JobSnapshot>> {
  const raw = await api.get<unknown>('/api/jobs', {
    signal,
    query: { page: params.page, pageSize: params.pageSize, state: params.state, search: params.search },
  });
  return parsePage(raw, params);
}

export function jobListQueryOptions(params: JobListParams) {
  return queryOptions({
    queryKey: queryKeys.jobs.list(params),
    queryFn: ({ signal }) => getJobs(params, signal),
    staleTime: 5_000,
  });
}

export async function getJobEvents(jobId: string, after: number, signal?: AbortSignal): Promise<JobEvent[]> {
  const raw = await api.get<unknown>(`${jobPath(jobId)}/events`, { signal, query: { after } });
  const list = Array.isArray(raw) ? raw : ((raw as { events?: unknown[] } | undefined)?.events ?? []);
  return list.map((event) => normaliseEvent(event, jobId));
}

/** Every event of a job from seq 1, following pages until the server has nothing newer (bounded). */
export async function getAllJobEvents(jobId: string, signal?: AbortSignal): Promise<JobEvent[]> {
  const all: JobEvent[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const batch = await getJobEvents(jobId, after, signal);
    const newer = batch.filter((event) => event.seq > after);
    if (newer.length === 0) break;
    all.push(...newer);
    after = Math.max(...newer.map((event) => event.seq));
  }
  return all;
}

export const cancelJob = (jobId: string) => api.post<unknown>(`${jobPath(jobId)}/cancel`);
export const retryJob = (jobId: string) => api.post<unknown>(`${jobPath(jobId)}/retry`);
export const deleteJob = (jobId: string) => api.delete<unknown>(jobPath(jobId));

export function taskResultUrl(jobId: string, format: string, download = false): string {
  return buildUrl(`${jobPath(jobId)}/tasks/${encodeURIComponent(format)}/result`, { download: download ? 'true' : undefined });
}
