import { describeError, isApiError } from '@/lib/api-client';

/** Words for a refused submission, with the counts the 429 carries ("3 of 3 running, 5 of 5 queued"). */
export function describeRefusal(error: unknown): { title: string; message: string } {
  if (isApiError(error) && error.status === 429) {
    const running = error.extension('running');
    const runningLimit = error.extension('runningLimit');
    const queued = error.extension('queued');
    const queuedLimit = error.extension('queuedLimit');
    const parts: string[] = [];
    if (running !== undefined) parts.push(`${running}${runningLimit !== undefined ? ` of ${runningLimit}` : ''} running`);
    if (queued !== undefined) parts.push(`${queued}${queuedLimit !== undefined ? ` of ${queuedLimit}` : ''} queued`);
    const counts = parts.length ? `You have ${parts.join(' and ')}. ` : '';
    const wait = error.retryAfter ? `Try again in about ${error.retryAfter} s.` : 'Try again when a job finishes.';
    return { title: 'Your queue is full', message: `${counts}${wait}` };
  }
  if (isApiError(error) && error.status === 0) return { title: 'Not sent', message: describeError(error) };
  return { title: 'The job was refused', message: describeError(error) };
}
