import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jobJson, me, quietAppRoutes } from '@/testing/api-fixtures';
import { mockApi, problem, reply, type MockHandler } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

function setup(routes: Record<string, MockHandler | ReturnType<typeof reply>>) {
  const api = mockApi({
    'GET /api/account/me': me,
    ...quietAppRoutes(),
    'GET /api/jobs/j1': reply(jobJson('j1')),
    ...routes,
  });
  renderApp('/');
  return api;
}

test('several URLs become one job each through the batch endpoint, with the default formats and options', async () => {
  const api = setup({
    'POST /api/jobs/batch': (request) =>
      reply({ items: (request.body as { urls: string[] }).urls.map((url, i) => ({ index: i, url, status: 202, job: jobJson(`b${i}`, { source: { url, text: null, textLength: null } }), problem: null })) }, 200),
  });
  const urls = await screen.findByLabelText('URLs');
  await userEvent.type(urls, 'https://a.test/1{enter}https://a.test/2{enter}b.test');
  expect(screen.getByTestId('submit-job')).toHaveTextContent('Start 3 jobs');
  await userEvent.click(screen.getByTestId('submit-job'));

  expect(urls).toHaveValue(''); // resets at once
  await waitFor(() => expect(api.find('POST', '/api/jobs/batch')).toHaveLength(1));
  const body = api.find('POST', '/api/jobs/batch')[0].body as Record<string, unknown>;
  expect(body).toEqual({
    urls: ['https://a.test/1', 'https://a.test/2', 'https://b.test/'],
    formats: ['markdown', 'screenshot'],
    options: { capture: { fullPage: true, wait: 'load', timeoutMs: 30000 } },
  });
});

test('one URL goes to POST /api/jobs with an idempotency key and the chosen options', async () => {
  const api = setup({ 'POST /api/jobs': reply(jobJson('j1'), 202) });
  await userEvent.type(await screen.findByLabelText('URLs'), 'https://a.test/page');
  await userEvent.click(screen.getByLabelText(/Summary/));
  await userEvent.click(screen.getByTestId('option-full-page'));
  await userEvent.type(screen.getByLabelText('Wait for selector'), 'main article');
  await userEvent.click(screen.getByTestId('submit-job'));
  await waitFor(() => expect(api.find('POST', '/api/jobs')).toHaveLength(1));
  const request = api.find('POST', '/api/jobs')[0];
  expect(request.body).toEqual({
    source: { url: 'https://a.test/page' },
    formats: ['markdown', 'screenshot', 'summary'],
    options: { capture: { fullPage: false, wait: 'selector', selector: 'main article', timeoutMs: 30000 } },
  });
  expect(request.headers['idempotency-key']).toBeTruthy();
});

test('pasted text only offers formats that need no capture', async () => {
  const api = setup({ 'POST /api/jobs': reply(jobJson('j1'), 202) });
  await userEvent.click(await screen.findByTestId('source-kind-text'));
  expect(screen.queryByTestId('format-option-screenshot')).not.toBeInTheDocument();
  await userEvent.type(screen.getByLabelText('Text'), 'My notes');
  await userEvent.click(screen.getByLabelText(/Summary/));
  await userEvent.click(screen.getByTestId('submit-job'));
  await waitFor(() => expect(api.find('POST', '/api/jobs')).toHaveLength(1));
  expect(api.find('POST', '/api/jobs')[0].body).toEqual({ source: { text: 'My notes' }, formats: ['summary'], options: {} });
});

test('a 429 keeps the input and says how many jobs are running and queued', async () => {
  setup({
    'POST /api/jobs': problem(429, { title: 'Too many jobs', running: 3, runningLimit: 3, queued: 5, queuedLimit: 5 }, { 'Retry-After': '20' }),
  });
  const urls = await screen.findByLabelText('URLs');
  await userEvent.type(urls, 'https://a.test/page');
  await userEvent.click(screen.getByTestId('submit-job'));
  const toast = await screen.findByTestId('toast');
  expect(toast).toHaveTextContent('Your queue is full');
  expect(toast).toHaveTextContent('You have 3 of 3 running and 5 of 5 queued. Try again in about 20 s.');
  expect(urls).toHaveValue('https://a.test/page');
  await userEvent.click(within(toast).getByRole('button', { name: 'Dismiss message' }));
});

test('400 field errors are shown next to the field that caused them', async () => {
  setup({
    'POST /api/jobs': problem(400, { title: 'Validation failed', errors: { 'Source.Url': ['Addresses on private networks are not allowed.'] } }),
  });
  const urls = await screen.findByLabelText('URLs');
  await userEvent.type(urls, 'http://10.0.0.1/');
  await userEvent.click(screen.getByTestId('submit-job'));
  expect(await screen.findByTestId('source-urls-error')).toHaveTextContent('Addresses on private networks are not allowed.');
  expect(urls).toHaveValue('http://10.0.0.1/');
  expect(urls).toHaveAttribute('aria-invalid', 'true');
});

test('client-side checks catch non-http schemes and an empty format list before sending', async () => {
  const api = setup({});
  await userEvent.type(await screen.findByLabelText('URLs'), 'javascript:alert(1)');
  await userEvent.click(screen.getByRole('button', { name: 'None' }));
  await userEvent.click(screen.getByTestId('submit-job'));
  expect(screen.getByTestId('source-urls-error')).toHaveTextContent('must start with http:// or https://');
  expect(screen.getByTestId('formats-error')).toHaveTextContent('Choose at least one output.');
  expect(api.find('POST', '/api/jobs')).toHaveLength(0);
});

test('a batch with some refusals puts the refused URLs back with their reasons', async () => {
  setup({
    'POST /api/jobs/batch': reply({
      items: [
        { index: 0, url: 'https://a.test/1', status: 202, job: jobJson('b1'), problem: null },
        {
          index: 1,
          url: 'https://a.test/2',
          status: 429,
          job: null,
          problem: { status: 429, title: 'Queue full', running: 3, runningLimit: 3, queued: 5, queuedLimit: 5 },
        },
      ],
    }),
  });
  const urls = await screen.findByLabelText('URLs');
  await userEvent.type(urls, 'https://a.test/1{enter}https://a.test/2');
  await userEvent.click(screen.getByTestId('submit-job'));
  expect(await screen.findByTestId('toast')).toHaveTextContent('1 of 2 jobs started');
  expect(urls).toHaveValue('https://a.test/2');
  expect(screen.getByTestId('source-urls-error')).toHaveTextContent('https://a.test/2: You have 3 of 3 running and 5 of 5 queued.');
});
