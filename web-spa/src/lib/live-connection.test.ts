import { QueryClient } from '@tanstack/react-query';
import { createJobStore, type JobStore } from '@/lib/job-state';
import type { ConnectionStatus, LiveConnectionOptions } from '@/lib/live-connection';
import { queryKeys } from '@/lib/query-keys';
import { liveConnectionOnFakeHub } from '@/testing/fake-hub';
import { eventLog, makeSnapshot } from '@/testing/job-fixtures';
import type { UsageView } from '@/types/api';

function setup(options: Partial<LiveConnectionOptions> = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const { hub, live } = liveConnectionOnFakeHub(queryClient, options);
  const statuses: ConnectionStatus[] = [];
  live.subscribeStatus((s) => statuses.push(s));
  const seed = (seq = 0, jobId = 'job-1') =>
    queryClient.setQueryData(queryKeys.jobs.live(jobId), createJobStore(makeSnapshot({ id: jobId, seq })));
  const store = (jobId = 'job-1') => queryClient.getQueryData<JobStore>(queryKeys.jobs.live(jobId))!;
  return { queryClient, hub, live, statuses, seed, store };
}

const log = () =>
  eventLog()
    .jobState('running')
    .taskState('markdown', 'running')
    .progress('markdown', 0.3)
    .progress('markdown', 0.6)
    .taskState('markdown', 'completed')
    .jobState('completed');

/** job-1 held at seq 0, watched and subscribed once; from then on the hub answers a resume with the log's events after its seq. */
async function setupWatchedJob() {
  const context = setup();
  const events = log().events;
  context.seed(0);
  context.live.start();
  context.live.watchJob('job-1');
  await vi.waitFor(() => expect(context.hub.calls('SubscribeJob')).toHaveLength(1));
  context.hub.respondToSubscribe = (_, after) => ({ events: events.filter((e) => e.seq > after) });
  return { ...context, events };
}

afterEach(() => vi.useRealTimers());

test('subscribes a watched job from the seq it holds and applies what the hub returns', async () => {
  const { hub, live, seed, store } = setup();
  const events = log().events;
  seed(2);
  hub.respondToSubscribe = (_, after) => ({ events: events.filter((e) => e.seq > after) });
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(store().seq).toBe(6));
  expect(hub.calls('SubscribeJob')).toEqual([['job-1', 2]]);
  expect(hub.calls('SubscribeUser')).toHaveLength(1);
  expect(store().state.job.state).toBe('completed');
});

test('pushed events are applied once, in seq order', async () => {
  const { hub, live, seed, store } = setup();
  seed(0);
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(hub.calls('SubscribeJob')).toHaveLength(1));
  const [e1, e2, e3] = log().events;
  for (const e of [e2, e1, e1, e3, e2]) hub.push('jobEvent', e);
  expect(store().seq).toBe(3);
  expect(store().state.timeline.map((e) => e.seq)).toEqual([1, 2]); // e3 is progress: folded, not listed
  expect(store().state.job.tasks.find((t) => t.format === 'markdown')?.progress).toBe(0.3);
});

test('after a reconnect every watched job resumes from its last seq', async () => {
  const { hub, live, seed, statuses } = setup();
  seed(0, 'job-1');
  seed(0, 'job-2');
  live.start();
  live.watchJob('job-1');
  live.watchJob('job-2');
  await vi.waitFor(() => expect(hub.calls('SubscribeJob')).toHaveLength(2));
  const events = log().events;
  events.slice(0, 4).forEach((e) => hub.push('jobEvent', e));
  hub.push('jobEvent', { ...events[0], jobId: 'job-2' });

  hub.drop();
  expect(live.status).toBe('reconnecting');
  hub.reconnect();
  await vi.waitFor(() => expect(hub.calls('SubscribeJob')).toHaveLength(4));
  expect(hub.calls('SubscribeJob').slice(2)).toEqual(
    expect.arrayContaining([
      ['job-1', 4],
      ['job-2', 1],
    ]),
  );
  expect(hub.calls('SubscribeUser')).toHaveLength(2);
  expect(statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
});

test('a snapshot answer replaces the state when it is newer', async () => {
  const { hub, live, seed, store } = setup();
  seed(1);
  hub.respondToSubscribe = () => ({ snapshot: makeSnapshot({ state: 'running', seq: 500, queuePosition: null }) });
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(store().seq).toBe(500));
  expect(store().state.job.state).toBe('running');
  expect(store().state.historyFrom).toBe(500);
});

test('a gap that does not fill by itself is fetched again from the last seq', async () => {
  const { hub, store, events } = await setupWatchedJob();
  hub.push('jobEvent', events[0]);
  hub.push('jobEvent', events[3]); // 2 and 3 lost
  expect(store().seq).toBe(1);
  await vi.waitFor(() => expect(store().seq).toBe(6));
  expect(hub.calls('SubscribeJob').at(-1)).toEqual(['job-1', 1]);
});

test('user events keep usage live', async () => {
  const { hub, live, queryClient } = setup();
  live.start();
  await vi.waitFor(() => expect(live.status).toBe('connected'));
  hub.push('userEvent', { type: 'usage', data: { running: 3, runningLimit: 3, queued: 1, queuedLimit: 5 } });
  expect(queryClient.getQueryData<UsageView>(queryKeys.usage)).toEqual({ running: 3, runningLimit: 3, queued: 1, queuedLimit: 5 });
});

test('the last watcher leaving unsubscribes after a short delay; a quick return keeps the subscription', async () => {
  const { hub, live, seed } = setup();
  seed(0);
  live.start();
  const releaseCard = live.watchJob('job-1');
  await vi.waitFor(() => expect(live.subscribedJobs()).toEqual(['job-1']));
  releaseCard();
  const releasePage = live.watchJob('job-1');
  await new Promise((r) => setTimeout(r, 40));
  expect(hub.calls('UnsubscribeJob')).toHaveLength(0);
  releasePage();
  await vi.waitFor(() => expect(hub.calls('UnsubscribeJob')).toEqual([['job-1']]));
  expect(live.subscribedJobs()).toEqual([]);
});

test('keeps trying to start, and starts again after the connection closes for good', async () => {
  const { hub, live, seed } = setup();
  seed(0);
  hub.startFailures = 2;
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(live.status).toBe('connected'));
  expect(hub.starts).toBe(3);
  hub.close();
  expect(live.status).toBe('disconnected');
  await vi.waitFor(() => expect(live.status).toBe('connected'));
  expect(hub.calls('SubscribeJob').length).toBeGreaterThanOrEqual(2);
});

test('stop forgets subscriptions and ignores late messages', async () => {
  const { hub, live, seed, store } = setup();
  seed(0);
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(live.subscribedJobs()).toHaveLength(1));
  await live.stop();
  expect(hub.stopped).toBe(true);
  expect(live.status).toBe('idle');
  expect(live.subscribedJobs()).toEqual([]);
  hub.reconnect();
  hub.push('jobEvent', log().events[0]);
  expect(hub.calls('SubscribeJob')).toHaveLength(1);
  expect(store().seq).toBe(0);
});

test('SubscribeUser’s answer sets usage at once', async () => {
  const { hub, live, queryClient } = setup();
  const invoke = hub.invoke.bind(hub);
  hub.invoke = (async (method: string, ...args: unknown[]) =>
    method === 'SubscribeUser' ? { running: 1, runningLimit: 3, queued: 0, queuedLimit: 5 } : invoke(method, ...args)) as typeof hub.invoke;
  live.start();
  await vi.waitFor(() => expect(queryClient.getQueryData(queryKeys.usage)).toEqual({ running: 1, runningLimit: 3, queued: 0, queuedLimit: 5 }));
});

test('a job.changed user event with a newer seq makes a watched job catch up', async () => {
  const { hub, store } = await setupWatchedJob();
  hub.push('userEvent', { type: 'job.changed', data: { id: 'job-1', state: 'completed', seq: 6, at: new Date().toISOString() } });
  await vi.waitFor(() => expect(store().seq).toBe(6));
});

test('a running job whose final event was lost catches up while the connection stays up', async () => {
  const { hub, live, seed, store } = setup({ reconcileIntervalMs: 40 });
  const events = log().events;
  seed(0);
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(hub.calls('SubscribeJob').length).toBeGreaterThan(0));
  hub.respondToSubscribe = (_, after) => ({ events: events.filter((e) => e.seq > after) });
  events.slice(0, 5).forEach((e) => hub.push('jobEvent', e)); // the final job.state (seq 6) never arrives
  expect(store().state.job.state).toBe('running');
  // No other event, no user event, no reconnect: the client asks the server for what it missed on its own.
  await vi.waitFor(() => expect(store().state.job.state).toBe('completed'));
  expect(hub.calls('SubscribeJob').at(-1)).toEqual(['job-1', 5]);
});

test('a finished job is not reconciled again', async () => {
  const { hub, live, seed, store } = setup({ reconcileIntervalMs: 40 });
  const events = log().events;
  seed(0);
  hub.respondToSubscribe = (_, after) => ({ events: events.filter((e) => e.seq > after) });
  live.start();
  live.watchJob('job-1');
  await vi.waitFor(() => expect(store().state.job.state).toBe('completed'));
  const calls = hub.calls('SubscribeJob').length;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(hub.calls('SubscribeJob')).toHaveLength(calls);
});
