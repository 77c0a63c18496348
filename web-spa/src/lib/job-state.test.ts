import { taskJson } from '@/testing/api-fixtures';
import {
  applyJobEvents,
  applyJobSnapshot,
  backfillHistory,
  createJobStore,
  initialJob,
  outcomeSummary,
  overallProgress,
  sourceLabel,
  waitingLabel,
} from '@/lib/job-state';
import { eventLog, makeSnapshot } from '@/testing/job-fixtures';

const urlSource = (url: string) => ({ url, text: null, textLength: null });

function runningJobLog() {
  return eventLog()
    .jobState('running', { attempt: 1 })
    .taskState('markdown', 'running')
    .progress('markdown', 0.5)
    .taskState('llm-summary', 'running')
    .output('llm-summary', 'The article ')
    .output('llm-summary', 'says hello.')
    .result('markdown', 'text/markdown')
    .taskState('markdown', 'completed');
}

describe('reduceJobEvent through applyJobEvents', () => {
  test('folds state, progress, streamed text and results', () => {
    const store = applyJobEvents(createJobStore(makeSnapshot()), runningJobLog().events);
    const { job, outputs, timeline } = store.state;
    expect(job.state).toBe('running');
    expect(job.queuePosition).toBeNull();
    expect(job.startedAt).toBe('2026-01-01T10:00:00.000Z');
    expect(job.tasks.find((t) => t.format === 'markdown')).toMatchObject({ state: 'completed', progress: 1, result: { contentType: 'text/markdown' } });
    expect(outputs['llm-summary']).toBe('The article says hello.');
    // progress and output chunks are folded, not listed
    expect(timeline.map((e) => e.type)).toEqual(['job.state', 'task.state', 'task.state', 'task.result', 'task.state']);
    expect(store.seq).toBe(8);
  });

  test('a new try of a task restarts its streamed text', () => {
    const log = eventLog()
      .jobState('running')
      .taskState('llm-summary', 'running')
      .output('llm-summary', 'Half a sen')
      .taskState('llm-summary', 'pending', { attempts: 1 })
      .taskState('llm-summary', 'running', { attempts: 2 })
      .output('llm-summary', 'A whole sentence.');
    const store = applyJobEvents(createJobStore(makeSnapshot()), log.events);
    expect(store.state.outputs['llm-summary']).toBe('A whole sentence.');
  });

  test('a retry of a finished job resets its tasks', () => {
    const log = runningJobLog().taskState('screenshot', 'failed', { error: 'boom' }).jobState('partial').jobState('queued', { attempt: 2 });
    const store = applyJobEvents(createJobStore(makeSnapshot()), log.events);
    expect(store.state.job.state).toBe('queued');
    expect(store.state.job.attempt).toBe(2);
    expect(store.state.job.finishedAt).toBeNull();
    expect(store.state.job.tasks.every((t) => t.state === 'pending' && t.progress === 0 && !t.result)).toBe(true);
    expect(store.state.outputs).toEqual({});
  });

  test('a task event for a format the snapshot did not list adds the task', () => {
    const store = applyJobEvents(createJobStore(makeSnapshot({ formats: ['markdown'] })), eventLog().taskState('pdf', 'running').events);
    expect(store.state.job.formats).toEqual(['markdown', 'pdf']);
  });
});

describe('applyJobSnapshot', () => {
  test('a stale snapshot does not roll back the state but refreshes the queue position', () => {
    const queued = createJobStore(makeSnapshot({ queuePosition: 4 }));
    const updated = applyJobSnapshot(queued, makeSnapshot({ queuePosition: 1 }));
    expect(updated.state.job.queuePosition).toBe(1);

    const running = applyJobEvents(queued, runningJobLog().events);
    const stale = applyJobSnapshot(running, makeSnapshot({ state: 'queued', seq: 3, queuePosition: 1 }));
    expect(stale).toBe(running);
  });

  test('a stale queued snapshot refreshes what the job waits for, and starting clears it', () => {
    const queued = createJobStore(makeSnapshot({ queuePosition: 2, waiting: { reason: 'user-limit', host: null } }));
    const busyHost = applyJobSnapshot(queued, makeSnapshot({ queuePosition: 1, waiting: { reason: 'host', host: 'example.com' } }));
    expect(busyHost.state.job.waiting).toEqual({ reason: 'host', host: 'example.com' });
    expect(waitingLabel(busyHost.state.job)).toBe('Waiting for host example.com');

    const running = applyJobEvents(busyHost, runningJobLog().events);
    expect(running.state.job.waiting).toBeNull();
    expect(waitingLabel(running.state.job)).toBeNull();
  });

  test('a newer snapshot replaces state and restarts history at its seq', () => {
    const store = applyJobEvents(createJobStore(makeSnapshot()), runningJobLog().events.slice(0, 2));
    const snapshot = makeSnapshot({ state: 'running', seq: 20, queuePosition: null });
    const next = applyJobSnapshot(store, snapshot);
    expect(next.seq).toBe(20);
    expect(next.state.job.state).toBe('running');
    expect(next.state.historyFrom).toBe(20);
    expect(next.state.timeline).toEqual([]);
  });
});

describe('backfillHistory', () => {
  test('rebuilds the timeline and streamed text a refresh started without', () => {
    const log = runningJobLog().output('llm-summary', ' More.');
    const full = log.events;
    // After a refresh: REST snapshot at seq 6, then live events 7..9.
    const snapshot = makeSnapshot({ state: 'running', queuePosition: null, seq: 6 });
    let store = applyJobEvents(createJobStore(snapshot), full.slice(6));
    expect(store.state.outputs['llm-summary']).toBe(' More.');
    expect(store.state.historyFrom).toBe(6);

    store = backfillHistory(store, full); // REST history overlaps what we hold: duplicates drop
    const fromStart = applyJobEvents(createJobStore(initialJob(makeSnapshot())), full);
    expect(store.state.outputs).toEqual(fromStart.state.outputs);
    expect(store.state.timeline).toEqual(fromStart.state.timeline);
    expect(store.state.historyFrom).toBe(0);
    expect(store.seq).toBe(9);
  });

  test('leaves the store alone when the history does not reach it', () => {
    const store = applyJobEvents(createJobStore(makeSnapshot({ seq: 6 })), []);
    expect(backfillHistory(store, runningJobLog().events.slice(0, 3))).toBe(store);
  });

  test('refuses a history that stops short of events already applied live', () => {
    const full = runningJobLog().events;
    const store = applyJobEvents(createJobStore(makeSnapshot({ seq: 6 })), full.slice(6));
    expect(backfillHistory(store, full.slice(0, 7))).toBe(store);
  });
});

describe('display helpers', () => {
  test('overall progress is the mean of the tasks', () => {
    const job = makeSnapshot({
      state: 'running',
      tasks: [
        taskJson('a', 'completed', 1),
        taskJson('b', 'running', 0.5),
        taskJson('c', 'failed', 0.2),
        taskJson('d', 'pending', 0),
      ],
    });
    expect(overallProgress(job)).toBeCloseTo(0.625);
    expect(overallProgress({ ...job, state: 'completed' })).toBe(1);
  });

  test('outcome says what came out', () => {
    const tasks = [taskJson('a', 'completed', 1), taskJson('b', 'completed', 1), taskJson('c', 'failed', 0)];
    expect(outcomeSummary(makeSnapshot({ state: 'partial', tasks }))).toBe('2 formats ready · 1 failed');
    expect(outcomeSummary(makeSnapshot({ state: 'completed', tasks: tasks.slice(0, 1) }))).toBe('1 format ready');
    expect(outcomeSummary(makeSnapshot({ state: 'failed', error: 'DNS failure', tasks: [] }))).toBe('Failed: DNS failure');
  });

  test('source labels', () => {
    expect(sourceLabel(urlSource('https://example.com/a/'))).toBe('example.com/a');
    // Long URLs keep the host and the end of the path, so jobs on one site stay distinguishable.
    const long = sourceLabel(urlSource('http://127.0.0.1:34125/articles/2026/some-long-slug?page=3'), 30);
    expect(long).toHaveLength(30);
    expect(long.startsWith('127.0.0.1')).toBe(true);
    expect(long.endsWith('page=3')).toBe(true);
    expect(sourceLabel({ url: null, text: '  Some\nnotes  ', textLength: 13 })).toBe('“Some notes”');
  });
});
