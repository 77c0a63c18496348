// The one fetch wrapper: same-origin cookies, JSON in and out, RFC 9457 problem details turned into ApiError.

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: Record<string, string[] | string>;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;
  /** Field name (normalised to camelCase paths, e.g. "source.url") → messages. */
  readonly fieldErrors: Record<string, string[]>;
  /** Seconds, from the Retry-After header, when the server sent one. */
  readonly retryAfter: number | null;

  constructor(status: number, problem: ProblemDetails, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
    this.fieldErrors = normaliseFieldErrors(problem.errors);
  }

  /** Messages for a field, matching case-insensitively and also on the last path segment ("Source.Url" ~ "url"). */
  errorsFor(field: string): string[] {
    const wanted = field.toLowerCase();
    const found: string[] = [];
    for (const [key, messages] of Object.entries(this.fieldErrors)) {
      const k = key.toLowerCase();
      if (k === wanted || k.startsWith(`${wanted}.`) || k.startsWith(`${wanted}[`) || k.endsWith(`.${wanted}`)) {
        found.push(...messages);
      }
    }
    return found;
  }

  /** A number the server put in the problem body (e.g. "running", "queuedLimit" on a 429). */
  extension(name: string): number | undefined {
    const value = this.problem[name];
    return typeof value === 'number' ? value : undefined;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** "Source.Url" / "$.source.url" / "formats[0]" → "source.url" / "formats[0]". */
export function normaliseFieldName(name: string): string {
  return name
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .map((segment) => segment.charAt(0).toLowerCase() + segment.slice(1))
    .join('.');
}

function normaliseFieldErrors(errors: ProblemDetails['errors']): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (!errors || typeof errors !== 'object') return result;
  for (const [key, value] of Object.entries(errors)) {
    const messages = Array.isArray(value) ? value.map(String) : [String(value)];
    const name = normaliseFieldName(key);
    result[name] = [...(result[name] ?? []), ...messages];
  }
  return result;
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Auth listens here so an expired cookie anywhere sends the user to sign-in. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
  /** Don't raise the global "unauthorized" signal on 401 (used by the "who am I" probe). */
  quietUnauthorized?: boolean;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

async function toApiError(response: Response): Promise<ApiError> {
  let problem: ProblemDetails = { status: response.status, title: response.statusText || undefined };
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') problem = { status: response.status, ...(parsed as ProblemDetails) };
    } catch {
      problem = { ...problem, detail: text.slice(0, 300) };
    }
  }
  return new ApiError(response.status, problem, parseRetryAfter(response.headers.get('Retry-After')));
}

/** Sends a request; raw Response for callers that need headers or blobs. Throws ApiError for non-2xx. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'include',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached. Check your connection and try again.' });
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.quietUnauthorized) unauthorizedListeners.forEach((listener) => listener());
    throw error;
  }
  return response;
}

/** JSON request; an empty body (204, or 202 without content) resolves to undefined. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiFetch(path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => apiRequest<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...options, method: 'POST', body }),
  delete: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => apiRequest<T>(path, { ...options, method: 'DELETE' }),
};

/** One readable sentence for any error, for toasts and alerts. */
export function describeError(error: unknown): string {
  if (isApiError(error)) {
    const fieldMessages = Object.values(error.fieldErrors).flat();
    if (error.status === 400 && fieldMessages.length > 0) return fieldMessages.join(' ');
    return error.problem.detail || error.problem.title || error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
