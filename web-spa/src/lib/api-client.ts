// The one API client: same-origin cookies, JSON in and out, RFC 9457 problem details turned into ApiError. Calls go
// through `apiClient` (openapi-fetch over the types generated from the Api's OpenAPI document), so every path, parameter
// and body is the Api's own; `apiFetch` is for the few calls that want the raw Response (downloads).
import createClient from 'openapi-fetch';
import type { paths } from '@/types/api';

/** RFC 9457 problem details, with the extensions the Api adds (field `errors`, limits on a 429). */
export interface ProblemDetails {
  type?: string | null;
  title?: string | null;
  status?: number | null;
  detail?: string | null;
  instance?: string | null;
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

const accept = 'application/json, application/problem+json';

/** Sends one request; throws ApiError for anything but 2xx (and raises "unauthorized" on 401 unless asked not to). */
async function send(request: Request, quietUnauthorized = false): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(request);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached. Check your connection and try again.' });
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !quietUnauthorized) unauthorizedListeners.forEach((listener) => listener());
    throw error;
  }
  return response;
}

// Absolute on the page's origin: the same requests as relative paths, and Request objects need one outside a browser.
const origin = () => globalThis.location?.origin ?? 'http://localhost';

/** The typed client. Every answer it returns is a 2xx: the rest were thrown as ApiError by `send`. */
export const apiClient = createClient<paths>({
  baseUrl: origin(),
  credentials: 'include',
  headers: { Accept: accept },
  fetch: (request) => send(request),
});

/** For the "who am I" probe: a 401 there means "signed out", not "session expired". */
export const quietUnauthorizedFetch = (request: Request) => send(request, true);

/** The body of a successful call; undefined only for 204 No Content. */
export async function dataOf<T>(answer: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await answer;
  if (data === undefined && response.status !== 204) {
    throw new ApiError(response.status, { title: 'Empty answer', detail: `The server sent no body (status ${response.status}).` });
  }
  return data as T;
}

/** Sends a request and returns the raw Response, for callers that need headers or blobs. Throws ApiError for non-2xx. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const request = new Request(new URL(buildUrl(path, options.query), origin()), {
    headers: { Accept: accept, ...options.headers },
    credentials: 'include',
    signal: options.signal,
  });
  return send(request, options.quietUnauthorized);
}

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
