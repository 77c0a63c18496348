import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { formats, jobJson, jobPage, me, taskJson, usage } from '@/testing/api-fixtures';
import { mockApi, reply } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';
import type { JobView } from '@/types/api';

function minutesAgo(minutes: number) {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

function setup(jobs: JobView[]) {
  const routes: Parameters<typeof mockApi>[0] = {
    'GET /api/account/me': me,
    'GET /api/me/usage': usage(3, 1),
    'GET /api/formats': formats,
    'GET /api/jobs': jobPage(jobs),
  };
  for (const job of jobs) routes[`GET /api/jobs/${job.id}`] = reply(job);
  const api = mockApi(routes);
  return { api, ...renderApp('/') };
}

test('one card per active job, newest on top, five at most and "+N more"', async () => {
  const jobs = Array.from({ length: 7 }, (_, i) => jobJson(`j${i}`, { createdAt: minutesAgo(10 - i) }));
  setup(jobs);
  const stack = await screen.findByTestId('notification-stack');
  await waitFor(() => expect(within(stack).getAllByTestId('job-card')).toHaveLength(5));
  const ids = within(stack).getAllByTestId('job-card').map((card) => card.dataset.jobId);
  expect(ids).toEqual(['j6', 'j5', 'j4', 'j3', 'j2']);
  expect(within(stack).getByTestId('stack-more')).toHaveTextContent('+2 more');
});

test('a card shows source, state, progress and a chip per format, and follows live events', async () => {
  const { hub } = setup([jobJson('j1')]);
  const card = await screen.findByTestId('job-card');
  expect(card).toHaveTextContent('example.com/j1');
  expect(within(card).getByTestId('job-state')).toHaveTextContent('Running');
  expect(within(card).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');
  await waitFor(() => expect(hub.calls('SubscribeJob')).toEqual([['j1', 2]]));

  hub.push('jobEvent', { jobId: 'j1', seq: 3, type: 'task.state', at: new Date().toISOString(), data: { format: 'markdown', state: 'completed' } });
  hub.push('jobEvent', { jobId: 'j1', seq: 4, type: 'task.state', at: new Date().toISOString(), data: { format: 'screenshot', state: 'failed', error: 'Timeout' } });
  hub.push('jobEvent', { jobId: 'j1', seq: 5, type: 'job.state', at: new Date().toISOString(), data: { state: 'partial' } });

  await waitFor(() => expect(card).toHaveAttribute('data-state', 'partial'));
  expect(within(card).getByTestId('job-card-outcome')).toHaveTextContent('1 format ready · 1 failed');
  const chips = within(card).getAllByTestId('format-chip');
  expect(chips.map((chip) => [chip.dataset.format, chip.dataset.state])).toEqual([
    ['markdown', 'completed'],
    ['screenshot', 'failed'],
  ]);
  expect(screen.getByTestId('stack-announcer')).toHaveTextContent('example.com/j1: 1 format ready · 1 failed');
});

test('finished cards stay until dismissed, and a dismissal survives a refresh', async () => {
  const done = jobJson('done', { state: 'completed', finishedAt: minutesAgo(1), tasks: [taskJson('markdown', 'completed', 1)], formats: ['markdown'] });
  const first = setup([done]);
  const card = await screen.findByTestId('job-card');
  expect(within(card).getByTestId('job-card-outcome')).toHaveTextContent('1 format ready');
  await userEvent.click(within(card).getByTestId('job-card-dismiss'));
  expect(screen.queryByTestId('job-card')).not.toBeInTheDocument();
  first.unmount();

  setup([done]);
  await screen.findByTestId('notification-stack');
  await new Promise((r) => setTimeout(r, 50));
  expect(screen.queryByTestId('job-card')).not.toBeInTheDocument();
});

test('cancel from a card posts the cancel', async () => {
  const { api } = setup([jobJson('j1')]);
  const card = await screen.findByTestId('job-card');
  mockApi({ 'POST /api/jobs/j1/cancel': reply(jobJson('j1', { state: 'cancelling', seq: 3 }), 202), 'GET /api/jobs/j1': reply(jobJson('j1', { state: 'cancelling', seq: 3 })) });
  await userEvent.click(within(card).getByTestId('job-card-cancel'));
  await waitFor(() => expect(card).toHaveAttribute('data-state', 'cancelling'));
  expect(api.requests.length).toBeGreaterThan(0);
});

test('minimize hides the details of a card but keeps its progress', async () => {
  setup([jobJson('j1')]);
  const card = await screen.findByTestId('job-card');
  const toggle = within(card).getByTestId('job-card-minimize');
  expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await userEvent.click(toggle);
  expect(toggle).toHaveAttribute('aria-expanded', 'false');
  expect(within(card).queryByTestId('format-chip')).not.toBeInTheDocument();
  expect(within(card).getByRole('progressbar')).toBeInTheDocument();
});
