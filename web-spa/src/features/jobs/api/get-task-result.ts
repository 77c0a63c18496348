// GET /api/jobs/{id}/tasks/{format}/result: a task's artifact, as text or as a blob (not JSON, so a raw fetch).
import { useQuery } from '@tanstack/react-query';
import { apiFetch, buildUrl } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { paths } from '@/types/api';

const resultPath: keyof paths = '/api/jobs/{id}/tasks/{format}/result';

/** The result's address (also the download link: `download` makes it an attachment). */
export function taskResultUrl(jobId: string, format: string, download = false): string {
  const path = resultPath.replace('{id}', encodeURIComponent(jobId)).replace('{format}', encodeURIComponent(format));
  return buildUrl(path, { download: download ? 'true' : undefined });
}

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
