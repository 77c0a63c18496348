import { taskJson } from '@/testing/api-fixtures';
import type {
  JobEventView,
  JobState,
  JobStateEventData,
  JobView,
  TaskState,
  TaskStateEventData,
} from '@/types/api';

export function makeSnapshot(overrides: Partial<JobView> = {}): JobView {
  const formats = overrides.formats ?? ['markdown', 'screenshot', 'llm-summary'];
  return {
    id: 'job-1',
    state: 'queued',
    source: { url: 'https://example.com/article', text: null, textLength: null },
    formats,
    tasks: formats.map((format) => taskJson(format)),
    queuePosition: 2,
    seq: 0,
    attempt: 1,
    maxAttempts: 3,
    options: {},
    createdAt: '2026-01-01T10:00:00Z',
    startedAt: null,
    finishedAt: null,
    error: null,
    ...overrides,
  };
}

type EventBody = JobEventView extends infer E ? (E extends JobEventView ? Pick<E, 'type' | 'data'> : never) : never;

/** Builds a job's event history with consecutive seqs. */
export function eventLog(jobId = 'job-1') {
  const events: JobEventView[] = [];
  const add = (body: EventBody) => {
    events.push({ jobId, seq: events.length + 1, at: new Date(Date.UTC(2026, 0, 1, 10, 0, events.length)).toISOString(), ...body } as JobEventView);
    return builder;
  };
  const builder = {
    events,
    jobState: (state: JobState, extra: Partial<JobStateEventData> = {}) => add({ type: 'job.state', data: { state, ...extra } }),
    taskState: (format: string, state: TaskState, extra: Partial<TaskStateEventData> = {}) =>
      add({ type: 'task.state', data: { format, state, ...extra } }),
    progress: (format: string, progress: number) => add({ type: 'task.progress', data: { format, progress } }),
    output: (format: string, text: string) => add({ type: 'task.output', data: { format, text } }),
    result: (format: string, contentType: string) => add({ type: 'task.result', data: { format, contentType, size: 10, sha256: 'abc' } }),
  };
  return builder;
}
