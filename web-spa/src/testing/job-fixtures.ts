import type { JobEvent, JobSnapshot } from '@/types/api';

export function makeSnapshot(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  const formats = overrides.formats ?? ['markdown', 'screenshot', 'llm-summary'];
  return {
    id: 'job-1',
    state: 'queued',
    source: { url: 'https://example.com/article' },
    formats,
    tasks: formats.map((format) => ({ format, state: 'pending', progress: 0 })),
    queuePosition: 2,
    createdAt: '2026-01-01T10:00:00Z',
    startedAt: null,
    finishedAt: null,
    seq: 0,
    ...overrides,
  };
}

/** Builds a job's event history with consecutive seqs. */
export function eventLog(jobId = 'job-1') {
  const events: JobEvent[] = [];
  const add = (type: string, data: Record<string, unknown>) => {
    events.push({ jobId, seq: events.length + 1, type, at: new Date(Date.UTC(2026, 0, 1, 10, 0, events.length)).toISOString(), data });
    return builder;
  };
  const builder = {
    events,
    jobState: (state: string, extra: Record<string, unknown> = {}) => add('job.state', { state, ...extra }),
    taskState: (format: string, state: string, extra: Record<string, unknown> = {}) => add('task.state', { format, state, ...extra }),
    progress: (format: string, progress: number) => add('task.progress', { format, progress }),
    output: (format: string, text: string) => add('task.output', { format, text }),
    result: (format: string, contentType: string) => add('task.result', { format, contentType, size: 10, sha256: 'abc' }),
  };
  return builder;
}
