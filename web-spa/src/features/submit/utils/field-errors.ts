import { isApiError } from '@/lib/api-client';

export type SubmitField = 'source' | 'formats' | 'selector' | 'timeout' | 'instruction';
export type SubmitErrors = Partial<Record<SubmitField | 'general', string[]>>;

/** Routes the server's field errors (source.url, urls[2], formats, options.capture.timeoutMs…) to the inputs that caused them. */
export function mapServerErrors(error: unknown): SubmitErrors {
  const result: SubmitErrors = {};
  if (!isApiError(error)) return result;
  const add = (field: keyof SubmitErrors, messages: string[]) => (result[field] = [...(result[field] ?? []), ...messages]);
  for (const [key, messages] of Object.entries(error.fieldErrors)) {
    const k = key.toLowerCase();
    if (k.includes('selector')) add('selector', messages);
    else if (k.includes('timeout')) add('timeout', messages);
    else if (k.includes('instruction')) add('instruction', messages);
    else if (k.startsWith('format')) add('formats', messages);
    else if (k.startsWith('source') || k.startsWith('url') || k.startsWith('text')) add('source', messages);
    else add('general', messages);
  }
  return result;
}
