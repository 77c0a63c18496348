// POST /api/jobs: one job (a URL or pasted text).
import { useMutation } from '@tanstack/react-query';
import { apiClient, dataOf } from '@/lib/api-client';
import { newIdempotencyKey, useAfterSubmit } from '@/features/submit/api/submitted-jobs';
import type { JobOptions } from '@/features/submit/types/job-options';
import type { JobView, SubmitJobRequest } from '@/types/api';

export type CreateJobRequest = SubmitJobRequest & { options: JobOptions };

export function createJob(request: CreateJobRequest): Promise<JobView> {
  return dataOf(apiClient.POST('/api/jobs', { body: request, headers: { 'Idempotency-Key': newIdempotencyKey() } }));
}

export function useCreateJob() {
  const afterSubmit = useAfterSubmit();
  return useMutation({ mutationFn: createJob, onSuccess: (job) => afterSubmit([job]) });
}
