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
    // The API client sends Request objects; read method, headers and body from whichever form arrived.
    const sent = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(sent.url);
    const text = await sent.clone().text();
    const request: MockRequest = {
      method: sent.method.toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      headers: Object.fromEntries(sent.headers.entries()),
    };
    requests.push(request);
    const route = routes[`${request.method} ${url.pathname}`];
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
