// The live view of one job: a REST snapshot plus the job's events folded in seq order (see event-merge.ts).
import { applySnapshot, createSeqStore, mergeEvents, type SeqStore } from '@/lib/event-merge';
import {
  terminalJobStates,
  type JobEvent,
  type JobSnapshot,
  type JobSource,
  type JobState,
  type JobWaiting,
  type TaskSnapshot,
  type TaskState,
} from '@/types/api';

export interface JobLive {
  job: JobSnapshot;
  /** State changes and results (progress and streamed text are folded, not listed), oldest first. */
  timeline: JobEvent[];
  /** Timeline and streamed outputs are complete only for events after this seq (0 = from the start). */
  historyFrom: number;
  /** Streamed partial output per format ("task.output" events appended in seq order). */
  outputs: Record<string, string>;
}

export type JobStore = SeqStore<JobLive, JobEvent>;

export const jobEventTypes = {
  jobState: 'job.state',
  taskState: 'task.state',
  taskProgress: 'task.progress',
  taskOutput: 'task.output',
  taskResult: 'task.result',
} as const;

const maxTimelineEntries = 1_000;

export function isTerminal(state: JobState): boolean {
  return terminalJobStates.includes(state);
}

export function isActive(state: JobState): boolean {
  return !isTerminal(state);
}

// ---------------------------------------------------------------- wire normalisation (tolerant of small shape differences)

type Loose = Record<string, unknown>;

const asRecord = (value: unknown): Loose => (value && typeof value === 'object' ? (value as Loose) : {});
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const lower = (value: unknown, fallback: string): string => (typeof value === 'string' ? value.toLowerCase() : fallback);

function normaliseProgress(value: unknown): number | undefined {
  const n = asNumber(value);
  if (n === undefined) return undefined;
  const fraction = n > 1 ? n / 100 : n; // tolerate percentages
  return Math.min(1, Math.max(0, fraction));
}

export function normaliseSource(raw: Loose): JobSource {
  const source = asRecord(raw.source);
  const url = asString(source.url) ?? asString(raw.url) ?? asString(raw.sourceUrl);
  if (url) return { url };
  const text = asString(source.text) ?? asString(raw.text) ?? asString(raw.sourceText) ?? asString(raw.textPreview) ?? '';
  return { text };
}

export function normaliseTask(value: unknown): TaskSnapshot {
  const raw = asRecord(value);
  const state = lower(raw.state, 'pending') as TaskState;
  const result = raw.result && typeof raw.result === 'object' ? (raw.result as TaskSnapshot['result']) : undefined;
  return {
    format: asString(raw.format) ?? asString(raw.name) ?? 'unknown',
    state,
    progress: normaliseProgress(raw.progress) ?? (state === 'completed' ? 1 : 0),
    message: asString(raw.message),
    error: asString(raw.error) ?? undefined,
    attempts: asNumber(raw.attempts),
    result: result ?? (asString(raw.contentType) ? { contentType: asString(raw.contentType) } : undefined),
  };
}

function normaliseWaiting(value: unknown): JobWaiting | null {
  const raw = asRecord(value);
  const reason = asString(raw.reason);
  return reason ? { reason, host: asString(raw.host) ?? null } : null;
}

export function normaliseJob(value: unknown): JobSnapshot {
  const raw = asRecord(value);
  const tasks = Array.isArray(raw.tasks) ? raw.tasks.map(normaliseTask) : [];
  const formats = Array.isArray(raw.formats) ? raw.formats.map(String) : tasks.map((task) => task.format);
  for (const format of formats) {
    if (!tasks.some((task) => task.format === format)) tasks.push({ format, state: 'pending', progress: 0 });
  }
  return {
    id: String(raw.id ?? raw.jobId ?? ''),
    state: lower(raw.state, 'queued') as JobState,
    source: normaliseSource(raw),
    formats,
    tasks,
    queuePosition: asNumber(raw.queuePosition) ?? null,
    waiting: normaliseWaiting(raw.waiting),
    attempt: asNumber(raw.attempt),
    error: asString(raw.error) ?? null,
    createdAt: asString(raw.createdAt),
    startedAt: asString(raw.startedAt) ?? null,
    finishedAt: asString(raw.finishedAt) ?? null,
    seq: asNumber(raw.seq) ?? asNumber(raw.lastSeq) ?? 0,
  };
}

export function normaliseEvent(value: unknown, jobId?: string): JobEvent {
  const raw = asRecord(value);
  return {
    jobId: String(raw.jobId ?? jobId ?? ''),
    seq: asNumber(raw.seq) ?? 0,
    type: String(raw.type ?? ''),
    at: asString(raw.at) ?? new Date().toISOString(),
    data: asRecord(raw.data),
  };
}

// ---------------------------------------------------------------- folding events

function updateTask(job: JobSnapshot, format: string, change: (task: TaskSnapshot) => TaskSnapshot): JobSnapshot {
  const index = job.tasks.findIndex((task) => task.format === format);
  const current = index >= 0 ? job.tasks[index] : { format, state: 'pending' as TaskState, progress: 0 };
  const tasks = [...job.tasks];
  if (index >= 0) tasks[index] = change(current);
  else tasks.push(change(current));
  const formats = job.formats.includes(format) ? job.formats : [...job.formats, format];
  return { ...job, tasks, formats };
}

/** Applies one event (already in seq order) to the live job. */
export function reduceJobEvent(live: JobLive, event: JobEvent): JobLive {
  const data = event.data ?? {};
  const format = asString(data.format);
  let { job, outputs, timeline } = live;
  job = { ...job, seq: event.seq };

  switch (event.type) {
    case jobEventTypes.jobState: {
      const state = lower(data.state, job.state) as JobState;
      const isRetry = state === 'queued' && isTerminal(live.job.state);
      if (isRetry) {
        job = {
          ...job,
          tasks: job.tasks.map((task) => ({ format: task.format, state: 'pending', progress: 0 })),
          startedAt: null,
          finishedAt: null,
        };
        outputs = {};
      }
      job = {
        ...job,
        state,
        attempt: asNumber(data.attempt) ?? job.attempt,
        error: asString(data.error) ?? (isTerminal(state) ? job.error : null),
        queuePosition: state === 'queued' ? job.queuePosition : null,
        waiting: state === 'queued' ? job.waiting : null,
        startedAt: state === 'running' && !job.startedAt ? event.at : job.startedAt,
        finishedAt: isTerminal(state) ? (job.finishedAt ?? event.at) : null,
      };
      break;
    }
    case jobEventTypes.taskState:
      if (format) {
        const state = lower(data.state, 'pending') as TaskState;
        const previous = job.tasks.find((task) => task.format === format)?.state;
        // A new try streams its text from the start again.
        if (state === 'running' && previous !== 'running') outputs = { ...outputs, [format]: '' };
        job = updateTask(job, format, (task) => ({
          ...task,
          state,
          attempts: asNumber(data.attempts) ?? task.attempts,
          error: asString(data.error) ?? (state === 'failed' ? task.error : undefined),
          progress: state === 'completed' ? 1 : state === 'pending' ? 0 : task.progress,
        }));
      }
      break;
    case jobEventTypes.taskProgress:
      if (format) {
        job = updateTask(job, format, (task) => ({
          ...task,
          progress: normaliseProgress(data.progress) ?? task.progress,
          message: asString(data.message) ?? task.message,
        }));
      }
      break;
    case jobEventTypes.taskOutput:
      if (format) outputs = { ...outputs, [format]: (outputs[format] ?? '') + (asString(data.text) ?? '') };
      break;
    case jobEventTypes.taskResult:
      if (format) {
        job = updateTask(job, format, (task) => ({
          ...task,
          result: { contentType: asString(data.contentType), size: asNumber(data.size), sha256: asString(data.sha256) },
        }));
      }
      break;
    default:
      break;
  }

  if (event.type !== jobEventTypes.taskProgress && event.type !== jobEventTypes.taskOutput) {
    timeline = [...timeline, event];
    if (timeline.length > maxTimelineEntries) timeline = timeline.slice(timeline.length - maxTimelineEntries);
  }
  return { job, outputs, timeline, historyFrom: live.historyFrom };
}

function liveFromSnapshot(snapshot: JobSnapshot): JobLive {
  return { job: snapshot, timeline: [], historyFrom: snapshot.seq, outputs: {} };
}

/**
 * A REST or hub snapshot. Newer than what we hold → it replaces the state (history restarts at its seq).
 * Not newer → events already told us more; only fields no event carries (queue position, source, created) are refreshed.
 */
export function applyJobSnapshot(store: JobStore | undefined, snapshot: JobSnapshot): JobStore {
  if (!store || snapshot.seq > store.seq) {
    return applySnapshot(store, liveFromSnapshot(snapshot), snapshot.seq, reduceJobEvent);
  }
  const current = store.state.job;
  const bothQueued = current.state === 'queued' && snapshot.state === 'queued';
  const queuePosition = bothQueued ? snapshot.queuePosition : current.queuePosition;
  const waiting = bothQueued ? (snapshot.waiting ?? null) : (current.waiting ?? null);
  const missingTasks = snapshot.tasks.filter((task) => !current.tasks.some((t) => t.format === task.format));
  const unchanged =
    queuePosition === current.queuePosition &&
    waitingKey(waiting) === waitingKey(current.waiting) &&
    missingTasks.length === 0 &&
    current.createdAt === (snapshot.createdAt ?? current.createdAt) &&
    sourceKey(current.source) === sourceKey(snapshot.source);
  if (unchanged) return store;
  const job: JobSnapshot = {
    ...current,
    id: current.id || snapshot.id,
    source: snapshot.source,
    createdAt: snapshot.createdAt ?? current.createdAt,
    queuePosition,
    waiting,
    tasks: [...current.tasks, ...missingTasks],
    formats: [...current.formats, ...missingTasks.map((task) => task.format).filter((f) => !current.formats.includes(f))],
  };
  return { ...store, state: { ...store.state, job } };
}

export function applyJobEvents(store: JobStore, events: readonly JobEvent[]): JobStore {
  return mergeEvents(store, events, reduceJobEvent);
}

/** The job as it was before its first event: the starting point for replaying its whole history. */
export function initialJob(job: JobSnapshot): JobSnapshot {
  return {
    ...job,
    state: 'queued',
    tasks: job.formats.map((format) => ({ format, state: 'pending', progress: 0 })),
    attempt: undefined,
    error: null,
    queuePosition: null,
    waiting: null,
    startedAt: null,
    finishedAt: null,
    seq: 0,
  };
}

/**
 * Rebuilds timeline and streamed outputs from the full event history (events 1..n from REST), then re-applies
 * anything buffered. Unchanged when the history does not reach what we already hold (it cannot be joined safely).
 */
export function backfillHistory(store: JobStore, events: readonly JobEvent[]): JobStore {
  if (store.state.historyFrom === 0) return store;
  const start = createSeqStore<JobLive, JobEvent>({ job: initialJob(store.state.job), timeline: [], historyFrom: 0, outputs: {} });
  let rebuilt = mergeEvents(start, events, reduceJobEvent);
  if (rebuilt.seq < store.seq) return store;
  rebuilt = mergeEvents({ ...rebuilt, pending: [] }, store.pending, reduceJobEvent);
  const current = store.state.job;
  const job = {
    ...rebuilt.state.job,
    queuePosition: rebuilt.state.job.state === 'queued' ? current.queuePosition : null,
    waiting: rebuilt.state.job.state === 'queued' ? (current.waiting ?? null) : null,
    createdAt: current.createdAt,
    source: current.source,
  };
  return { ...rebuilt, state: { ...rebuilt.state, job } };
}

export function createJobStore(snapshot: JobSnapshot): JobStore {
  return applyJobSnapshot(undefined, snapshot);
}

// ---------------------------------------------------------------- derived values for display

const finishedTaskStates: readonly TaskState[] = ['completed', 'failed', 'cancelled', 'skipped'];

/** Overall progress 0..1: the mean of the tasks (finished tasks count as done), not an index in a sequence. */
export function overallProgress(job: JobSnapshot): number {
  // A cancelled or expired job stopped part way: show how much actually came out.
  if (job.state === 'cancelled' || job.state === 'expired') {
    return job.tasks.length ? countTasks(job, 'completed') / job.tasks.length : 0;
  }
  if (isTerminal(job.state)) return 1;
  if (job.tasks.length === 0) return 0;
  const sum = job.tasks.reduce((total, task) => total + (finishedTaskStates.includes(task.state) ? 1 : task.progress), 0);
  return sum / job.tasks.length;
}

export function countTasks(job: JobSnapshot, state: TaskState): number {
  return job.tasks.filter((task) => task.state === state).length;
}

/** What came out of a finished job, in words ("6 formats ready · 1 failed"). */
export function outcomeSummary(job: JobSnapshot): string {
  const ready = countTasks(job, 'completed');
  const failed = countTasks(job, 'failed');
  const parts: string[] = [];
  if (ready > 0) parts.push(`${ready} ${ready === 1 ? 'format' : 'formats'} ready`);
  if (failed > 0) parts.push(`${failed} failed`);
  if (job.state === 'cancelled') parts.unshift('Cancelled');
  if (job.state === 'expired') parts.unshift('Expired in the queue');
  if (job.state === 'failed' && parts.length === 0) parts.push(job.error ? `Failed: ${job.error}` : 'Failed');
  return parts.join(' · ') || stateLabel(job.state);
}

const stateLabels: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  cancelling: 'Cancelling',
  completed: 'Completed',
  partial: 'Partly completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

export function stateLabel(state: JobState): string {
  return stateLabels[state] ?? state;
}

const waitingKey = (waiting: JobWaiting | null | undefined): string => (waiting ? `${waiting.reason}:${waiting.host ?? ''}` : '');

/** What a queued job waits for, in words; null when nothing holds it back (it starts with the next free slot). */
export function waitingLabel(job: Pick<JobSnapshot, 'state' | 'waiting'>): string | null {
  if (job.state !== 'queued' || !job.waiting) return null;
  switch (job.waiting.reason) {
    case 'host':
      return job.waiting.host ? `Waiting for host ${job.waiting.host}` : 'Waiting for the site to be free';
    case 'user-limit':
      return 'Waiting for one of your running jobs to finish';
    case 'scraper':
      return 'Waiting for a free browser page';
    case 'coordination':
      return 'Waiting for coordination (Redis) to come back';
    default:
      return null;
  }
}

export function sourceKey(source: JobSource): string {
  return source.url ? `url:${source.url}` : `text:${source.text ?? ''}`;
}

/**
 * Short human label for a job's source: the URL without scheme, or the first words of the text. A long URL keeps its
 * host and the end of its path (what tells jobs on one site apart) and loses the middle.
 */
export function sourceLabel(source: JobSource, max = 80): string {
  if (source.url) {
    const label = source.url.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (label.length <= max) return label;
    const head = Math.ceil((max - 1) * 0.45);
    return `${label.slice(0, head)}…${label.slice(label.length - (max - 1 - head))}`;
  }
  const text = (source.text ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return 'Pasted text';
  return `“${text.length > max - 2 ? `${text.slice(0, max - 3)}…` : text}”`;
}
