import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type ProblemDetails } from '@/lib/api-client';
import { normaliseJob } from '@/lib/job-state';
import { seedJob } from '@/lib/jobs-api';
import { queryKeys } from '@/lib/query-keys';
import type { CreateBatchRequest, CreateJobRequest, JobSnapshot } from '@/types/api';

export interface BatchItemResult {
  url: string;
  job?: JobSnapshot;
  error?: ApiError;
}

function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export async function createJob(request: CreateJobRequest): Promise<JobSnapshot> {
  // A double click or a retried request must not make two jobs.
  const raw = await api.post<unknown>('/api/jobs', request, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
  return normaliseJob(raw);
}

/** The batch answers per item: accepted ones carry the job, refused ones a problem (status, detail, field errors). */
export function parseBatchResults(raw: unknown, urls: string[]): BatchItemResult[] {
  const body = raw as Record<string, unknown> | unknown[] | undefined;
  const list = Array.isArray(body) ? body : ((body?.items ?? body?.results ?? body?.jobs ?? []) as unknown[]);
  return urls.map((url, index) => {
    const item = (list.find((entry) => (entry as Record<string, unknown>)?.url === url) ?? list[index] ?? {}) as Record<string, unknown>;
    const problem = (item.problem ?? item.error) as ProblemDetails | string | undefined;
    const status = typeof item.status === 'number' ? item.status : undefined;
    const jobRaw = item.job ?? (item.id ? item : undefined);
    if (jobRaw && !problem && (status === undefined || status < 400)) return { url, job: normaliseJob(jobRaw) };
    const details: ProblemDetails = typeof problem === 'string' ? { title: problem } : (problem ?? { title: 'Refused' });
    return { url, error: new ApiError(details.status ?? status ?? 400, details) };
  });
}

export async function createJobBatch(request: CreateBatchRequest): Promise<BatchItemResult[]> {
  const raw = await api.post<unknown>('/api/jobs/batch', request, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
  return parseBatchResults(raw, request.urls);
}

function useAfterSubmit() {
  const queryClient = useQueryClient();
  return (jobs: JobSnapshot[]) => {
    jobs.forEach((job) => seedJob(queryClient, job));
    void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
    void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
  };
}

export function useCreateJob() {
  const afterSubmit = useAfterSubmit();
  return useMutation({ mutationFn: createJob, onSuccess: (job) => afterSubmit([job]) });
}

export function useCreateJobBatch() {
  const afterSubmit = useAfterSubmit();
  return useMutation({
    mutationFn: createJobBatch,
    onSuccess: (results) => afterSubmit(results.flatMap((r) => (r.job ? [r.job] : []))),
  });
}
