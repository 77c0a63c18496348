import { vi } from 'vitest';

export interface MockRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

export type MockReply = { status?: number; body?: unknown; headers?: Record<string, string> } | Response;
export type MockHandler = (request: MockRequest) => MockReply | Promise<MockReply>;

export const reply = (body: unknown, status = 200, headers: Record<string, string> = {}): MockReply => ({ status, body, headers });
export const problem = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): MockReply => ({
  status,
  body: { status, ...body },
  headers: { 'Content-Type': 'application/problem+json', ...headers },
});

/** Replaces fetch with a route table ("METHOD /path"); unknown routes answer 404 so a test sees what it forgot. */
export function mockApi(routes: Record<string, MockHandler | MockReply>) {
  const requests: MockRequest[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const request: MockRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    requests.push(request);
    const route = routes[`${method} ${url.pathname}`];
    const answer = typeof route === 'function' ? await route(request) : (route ?? problem(404, { title: 'Not Found' }));
    if (answer instanceof Response) return answer;
    const body = answer.body === undefined ? null : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : body, {
      status: answer.status ?? 200,
      headers: { 'Content-Type': 'application/json', ...answer.headers },
    });
  });
  return { requests, spy, find: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path) };
}
