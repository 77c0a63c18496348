import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { eventsPage, jobJson, me, quietAppRoutes, taskJson, usage } from '@/testing/api-fixtures';
import { mockApi, problem, reply, type MockHandler, type MockReply } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';
import type { JobEventView, JobState } from '@/types/api';

const at = () => new Date().toISOString();

function setup(routes: Record<string, MockHandler | MockReply>, path = '/jobs/j1') {
  const api = mockApi({
    'GET /api/account/me': me,
    ...quietAppRoutes(usage(1, 0)),
    ...routes,
  });
  return { api, ...renderApp(path) };
}

const llmJob = jobJson('j1', {
  formats: ['markdown', 'llm-summary'],
  tasks: [
    taskJson('markdown', 'running', 0.5),
    taskJson('llm-summary', 'running', 0.2),
  ],
  seq: 4,
});
const history: JobEventView[] = [
  { jobId: 'j1', seq: 1, type: 'job.state', at: at(), data: { state: 'running', attempt: 1 } },
  { jobId: 'j1', seq: 2, type: 'task.state', at: at(), data: { format: 'markdown', state: 'running' } },
  { jobId: 'j1', seq: 3, type: 'task.state', at: at(), data: { format: 'llm-summary', state: 'running' } },
  { jobId: 'j1', seq: 4, type: 'task.output', at: at(), data: { format: 'llm-summary', text: 'The page ' } },
];

test('after a refresh the page rebuilds the timeline and the text streamed so far, then continues live', async () => {
  const { hub } = setup({
    'GET /api/jobs/j1': reply(llmJob),
    'GET /api/jobs/j1/events': (request) => eventsPage(history.filter((e) => e.seq > Number(request.query.get('after')))),
  });
  const page = await screen.findByTestId('job-page');
  await waitFor(() => expect(hub.calls('SubscribeJob')).toEqual([['j1', 4]]));
  await userEvent.click(within(page).getByTestId('tab-llm-summary'));
  await waitFor(() => expect(within(page).getByTestId('markdown-result')).toHaveTextContent('The page'));

  hub.push('jobEvent', { jobId: 'j1', seq: 5, type: 'task.output', at: at(), data: { format: 'llm-summary', text: 'explains leases.' } });
  await waitFor(() => expect(within(page).getByTestId('markdown-result')).toHaveTextContent('The page explains leases.'));
  expect(within(page).getByTestId('job-timeline').querySelectorAll('li')).toHaveLength(3);
});

test('a format tab shows its result as soon as the result event arrives', async () => {
  const { hub } = setup({
    'GET /api/jobs/j1': reply(jobJson('j1', { seq: 0 })),
    'GET /api/jobs/j1/tasks/markdown/result': reply('# Title\n\nSome **bold** text.', 200, { 'Content-Type': 'text/markdown; charset=utf-8' }),
  });
  const page = await screen.findByTestId('job-page');
  await waitFor(() => expect(hub.calls('SubscribeJob')).toHaveLength(1));
  hub.push('jobEvent', { jobId: 'j1', seq: 1, type: 'task.result', at: at(), data: { format: 'markdown', contentType: 'text/markdown', size: 30, sha256: 'h1' } });
  hub.push('jobEvent', { jobId: 'j1', seq: 2, type: 'task.state', at: at(), data: { format: 'markdown', state: 'completed' } });
  const result = await within(page).findByTestId('result-markdown');
  expect(within(result).getByRole('heading', { name: 'Title' })).toBeInTheDocument();
  expect(within(result).getByTestId('download-markdown')).toHaveAttribute('href', '/api/jobs/j1/tasks/markdown/result?download=true');
});

test('links and metadata results render as a table and definitions', async () => {
  const done = jobJson('j1', {
    state: 'completed',
    formats: ['links', 'metadata'],
    tasks: [
      taskJson('links', 'completed', 1),
      taskJson('metadata', 'completed', 1),
    ],
    finishedAt: at(),
    seq: 9,
  });
  setup({
    'GET /api/jobs/j1': reply(done),
    'GET /api/jobs/j1/events': eventsPage([]),
    'GET /api/jobs/j1/tasks/links/result': reply([{ url: 'https://a.test/x', text: 'X', internal: true }]),
    'GET /api/jobs/j1/tasks/metadata/result': reply({ title: 'A page', language: 'en' }),
  });
  const table = await screen.findByTestId('links-result');
  expect(within(table).getByRole('link', { name: 'https://a.test/x' })).toBeInTheDocument();
  await userEvent.click(screen.getByTestId('tab-metadata'));
  expect(await screen.findByTestId('metadata-data')).toHaveTextContent('A page');
});

test('cancel, then retry and delete once finished', async () => {
  let state: JobState = 'running';
  const { api, hub, router } = setup({
    'GET /api/jobs/j1': () => reply(jobJson('j1', { state, seq: state === 'running' ? 2 : 4 })),
    'GET /api/jobs/j1/events': eventsPage([]),
    'POST /api/jobs/j1/cancel': () => reply(jobJson('j1', { state: 'cancelling', seq: 3 }), 202),
    'POST /api/jobs/j1/retry': () => reply(jobJson('j1', { state: 'queued', seq: 5, attempt: 2 }), 202),
    'DELETE /api/jobs/j1': () => reply(undefined, 204),
  });
  await userEvent.click(await screen.findByTestId('job-cancel'));
  await waitFor(() => expect(api.find('POST', '/api/jobs/j1/cancel')).toHaveLength(1));
  state = 'cancelled';
  hub.push('jobEvent', { jobId: 'j1', seq: 4, type: 'job.state', at: at(), data: { state: 'cancelled' } });

  await userEvent.click(await screen.findByTestId('job-retry'));
  await waitFor(() => expect(api.find('POST', '/api/jobs/j1/retry')).toHaveLength(1));

  await userEvent.click(screen.getByTestId('job-delete'));
  await userEvent.click(screen.getByTestId('job-delete-confirm'));
  await waitFor(() => expect(router.state.location.pathname).toBe('/jobs'));
  expect(api.find('DELETE', '/api/jobs/j1')).toHaveLength(1);
});

test('someone else’s job (404) is reported as not found', async () => {
  setup({ 'GET /api/jobs/j1': problem(404, { title: 'Not Found' }) });
  expect(await screen.findByTestId('job-error')).toHaveTextContent('Job not found');
});

test('history filters by state and searches by source through the URL', async () => {
  const api = mockApi({
    'GET /api/account/me': me,
    'GET /api/me/usage': usage(),
    'GET /api/jobs': (request) =>
      reply({
        items: request.query.get('state') === 'failed' ? [jobJson('f1', { state: 'failed' })] : [jobJson('r1'), jobJson('r2')],
        total: 2,
        page: 1,
        pageSize: 30,
      }),
  });
  const { router } = renderApp('/jobs');
  const table = await screen.findByTestId('jobs-table');
  await waitFor(() => expect(within(table).getAllByTestId('history-row').length).toBeGreaterThanOrEqual(2));
  await userEvent.selectOptions(screen.getByLabelText('State'), 'failed');
  await waitFor(() => expect(within(screen.getByTestId('jobs-table')).getAllByTestId('history-row').map((r) => r.dataset.jobId)).toContain('f1'));
  expect(router.state.location.search).toContain('state=failed');
  await userEvent.type(screen.getByLabelText('Search by source'), 'example');
  await waitFor(() => expect(api.requests.some((r) => r.path === '/api/jobs' && r.query.get('search') === 'example')).toBe(true));
});
