// POST /api/jobs/batch: one job per URL; the Api answers per item (accepted with the job, or refused with a problem).
import { useMutation } from '@tanstack/react-query';
import { ApiError, apiClient, dataOf } from '@/lib/api-client';
import { newIdempotencyKey, useAfterSubmit } from '@/features/submit/api/submitted-jobs';
import type { JobOptions } from '@/features/submit/types/job-options';
import type { BatchItemResult as BatchItem, BatchSubmitRequest, JobView } from '@/types/api';

export type CreateBatchRequest = BatchSubmitRequest & { urls: string[]; options: JobOptions };

export interface BatchItemResult {
  url: string;
  job?: JobView;
  error?: ApiError;
}

function toResult(item: BatchItem, urls: string[]): BatchItemResult {
  const url = item.url ?? urls[item.index];
  if (item.job) return { url, job: item.job };
  const problem = item.problem ?? { title: 'Refused' };
  return { url, error: new ApiError(problem.status ?? item.status, problem) };
}

export async function createJobBatch(request: CreateBatchRequest): Promise<BatchItemResult[]> {
  const { items } = await dataOf(apiClient.POST('/api/jobs/batch', { body: request, headers: { 'Idempotency-Key': newIdempotencyKey() } }));
  return items.map((item) => toResult(item, request.urls));
}

export function useCreateJobBatch() {
  const afterSubmit = useAfterSubmit();
  return useMutation({
    mutationFn: createJobBatch,
    onSuccess: (results) => afterSubmit(results.flatMap((r) => (r.job ? [r.job] : []))),
  });
}
