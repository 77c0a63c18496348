import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api-client';
import { taskResultUrl } from '@/lib/jobs-api';
import { queryKeys } from '@/lib/query-keys';

export interface TaskResultContent {
  contentType: string;
  /** Text and JSON results. */
  text?: string;
  /** Binary results (images, PDFs), shown through an object URL. */
  blob?: Blob;
}

const textual = /^(text\/|application\/(json|[\w.+-]+\+json|xml|markdown))/i;

export async function getTaskResult(jobId: string, format: string, signal?: AbortSignal): Promise<TaskResultContent> {
  const response = await apiFetch(taskResultUrl(jobId, format), { signal, headers: { Accept: '*/*' } });
  const contentType = response.headers.get('Content-Type') ?? 'application/octet-stream';
  if (textual.test(contentType)) return { contentType, text: await response.text() };
  return { contentType, blob: await response.blob() };
}

/** `version` changes when a retry produces a new result (its hash, or the attempt), so the old one is not shown. */
export function useTaskResult(jobId: string, format: string, version: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.jobs.result(jobId, format, version),
    queryFn: ({ signal }) => getTaskResult(jobId, format, signal),
    enabled,
    staleTime: Infinity,
    gcTime: 2 * 60_000,
  });
}
