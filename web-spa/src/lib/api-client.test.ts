import { apiClient, apiFetch, ApiError, dataOf, describeError, normaliseFieldName, onUnauthorized, quietUnauthorizedFetch } from '@/lib/api-client';
import { jobJson } from '@/testing/api-fixtures';
import { mockApi, problem, reply } from '@/testing/mock-api';

test('sends JSON with cookies and reads JSON back', async () => {
  const { spy } = mockApi({ 'POST /api/jobs': (request) => reply(jobJson('j1', { formats: (request.body as { formats: string[] }).formats }), 202) });
  const job = await dataOf(apiClient.POST('/api/jobs', { body: { source: { url: 'https://a.test' }, formats: ['pdf'] } }));
  expect(job.formats).toEqual(['pdf']);
  const sent = spy.mock.calls[0][0] as Request;
  expect(sent.credentials).toBe('include');
  expect(sent.headers.get('Content-Type')).toBe('application/json');
});

test('problem details become a typed ApiError with field errors, Retry-After and extensions', async () => {
  mockApi({
    'POST /api/jobs': problem(
      429,
      { title: 'Too many jobs', detail: 'Queue full.', running: 3, queued: 5, errors: { 'Source.Url': ['Bad host.'] } },
      { 'Retry-After': '12' },
    ),
  });
  const error = await apiClient.POST('/api/jobs', { body: {} }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  const apiError = error as ApiError;
  expect(apiError.status).toBe(429);
  expect(apiError.retryAfter).toBe(12);
  expect(apiError.extension('running')).toBe(3);
  expect(apiError.fieldErrors).toEqual({ 'source.url': ['Bad host.'] });
  expect(apiError.errorsFor('url')).toEqual(['Bad host.']);
  expect(apiError.errorsFor('source')).toEqual(['Bad host.']);
  expect(describeError(apiError)).toBe('Queue full.');
});

test('a 401 tells the auth listener, unless the caller asked for quiet', async () => {
  mockApi({ 'GET /api/jobs': problem(401, { title: 'Unauthorized' }), 'GET /api/account/me': problem(401, { title: 'Unauthorized' }) });
  const listener = vi.fn();
  const off = onUnauthorized(listener);
  await apiClient.GET('/api/account/me', { fetch: quietUnauthorizedFetch }).catch(() => undefined);
  expect(listener).not.toHaveBeenCalled();
  await apiClient.GET('/api/jobs').catch(() => undefined);
  expect(listener).toHaveBeenCalledTimes(1);
  await apiFetch('/api/jobs').catch(() => undefined);
  expect(listener).toHaveBeenCalledTimes(2);
  off();
});

test('a network failure is an ApiError with status 0 and a readable message', async () => {
  vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
  const error = (await apiClient.GET('/api/jobs').catch((e: unknown) => e)) as ApiError;
  expect(error.status).toBe(0);
  expect(describeError(error)).toMatch(/could not be reached/);
});

test('field names are normalised to camelCase paths', () => {
  expect(normaliseFieldName('$.Source.Url')).toBe('source.url');
  expect(normaliseFieldName('Formats[0]')).toBe('formats[0]');
});
