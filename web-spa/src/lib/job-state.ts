// The live view of one job: a REST snapshot plus the job's events folded in seq order (see event-merge.ts). Both come
// typed from the Api's OpenAPI document (types/api.ts, generated): nothing here guesses at their shape.
import { applySnapshot, createSeqStore, mergeEvents, type SeqStore } from '@/lib/event-merge';
import type { JobEventView, JobSourceView, JobState, JobView, JobWaitView, ResultView, TaskState, TaskView } from '@/types/api';

/** A task as shown: the snapshot's fields, kept current by events (which carry no download URL, and a progress message). */
export type LiveTask = Omit<TaskView, 'result'> & { result: Omit<ResultView, 'url'> | null; message?: string | null };

/** A job as shown: its REST snapshot (`seq` = the last event folded in), kept current by its events. */
export type LiveJob = Omit<JobView, 'tasks'> & { tasks: LiveTask[] };

export interface JobLive {
  job: LiveJob;
  /** State changes and results (progress and streamed text are folded, not listed), oldest first. */
  timeline: JobEventView[];
  /** Timeline and streamed outputs are complete only for events after this seq (0 = from the start). */
  historyFrom: number;
  /** Streamed partial output per format ("task.output" events appended in seq order). */
  outputs: Record<string, string>;
}

export type JobStore = SeqStore<JobLive, JobEventView>;

const maxTimelineEntries = 1_000;

const terminalJobStates: readonly JobState[] = ['completed', 'partial', 'failed', 'cancelled', 'expired'];

export function isTerminal(state: JobState): boolean {
  return terminalJobStates.includes(state);
}

export function isActive(state: JobState): boolean {
  return !isTerminal(state);
}

export function pendingTask(format: string): LiveTask {
  return { format, state: 'pending', progress: 0, attempts: 0, error: null, startedAt: null, finishedAt: null, result: null };
}

// ---------------------------------------------------------------- folding events

function updateTask(job: LiveJob, format: string, change: (task: LiveTask) => LiveTask): LiveJob {
  const index = job.tasks.findIndex((task) => task.format === format);
  const current = index >= 0 ? job.tasks[index] : pendingTask(format);
  const tasks = [...job.tasks];
  if (index >= 0) tasks[index] = change(current);
  else tasks.push(change(current));
  const formats = job.formats.includes(format) ? job.formats : [...job.formats, format];
  return { ...job, tasks, formats };
}

/** Applies one event (already in seq order) to the live job. */
export function reduceJobEvent(live: JobLive, event: JobEventView): JobLive {
  let { job, outputs, timeline } = live;
  job = { ...job, seq: event.seq };

  switch (event.type) {
    case 'job.state': {
      const { state, attempt, error } = event.data;
      const isRetry = state === 'queued' && isTerminal(live.job.state);
      if (isRetry) {
        job = { ...job, tasks: job.tasks.map((task) => pendingTask(task.format)), startedAt: null, finishedAt: null };
        outputs = {};
      }
      job = {
        ...job,
        state,
        attempt: attempt ?? job.attempt,
        error: error ?? (isTerminal(state) ? job.error : null),
        queuePosition: state === 'queued' ? job.queuePosition : null,
        waiting: state === 'queued' ? job.waiting : null,
        startedAt: state === 'running' && !job.startedAt ? event.at : job.startedAt,
        finishedAt: isTerminal(state) ? (job.finishedAt ?? event.at) : null,
      };
      break;
    }
    case 'task.state': {
      const { format, state, attempts, error } = event.data;
      const previous = job.tasks.find((task) => task.format === format)?.state;
      // A new try streams its text from the start again.
      if (state === 'running' && previous !== 'running') outputs = { ...outputs, [format]: '' };
      job = updateTask(job, format, (task) => ({
        ...task,
        state,
        attempts: attempts ?? task.attempts,
        error: error ?? (state === 'failed' ? task.error : null),
        progress: state === 'completed' ? 1 : state === 'pending' ? 0 : task.progress,
      }));
      break;
    }
    case 'task.progress': {
      const { format, progress, message } = event.data;
      job = updateTask(job, format, (task) => ({ ...task, progress, message: message ?? task.message }));
      break;
    }
    case 'task.output': {
      const { format, text } = event.data;
      outputs = { ...outputs, [format]: (outputs[format] ?? '') + text };
      break;
    }
    case 'task.result': {
      const { format, contentType, size, sha256 } = event.data;
      job = updateTask(job, format, (task) => ({ ...task, result: { contentType, size, sha256 } }));
      break;
    }
  }

  if (event.type !== 'task.progress' && event.type !== 'task.output') {
    timeline = [...timeline, event];
    if (timeline.length > maxTimelineEntries) timeline = timeline.slice(timeline.length - maxTimelineEntries);
  }
  return { job, outputs, timeline, historyFrom: live.historyFrom };
}

function liveFromSnapshot(snapshot: LiveJob): JobLive {
  return { job: snapshot, timeline: [], historyFrom: snapshot.seq, outputs: {} };
}

/**
 * A REST or hub snapshot. Newer than what we hold → it replaces the state (history restarts at its seq).
 * Not newer → events already told us more; only fields no event carries (queue position, source, created) are refreshed.
 */
export function applyJobSnapshot(store: JobStore | undefined, snapshot: LiveJob): JobStore {
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
  const job: LiveJob = {
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

export function applyJobEvents(store: JobStore, events: readonly JobEventView[]): JobStore {
  return mergeEvents(store, events, reduceJobEvent);
}

/** The job as it was before its first event: the starting point for replaying its whole history. */
export function initialJob(job: LiveJob): LiveJob {
  return {
    ...job,
    state: 'queued',
    tasks: job.formats.map(pendingTask),
    attempt: 1,
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
export function backfillHistory(store: JobStore, events: readonly JobEventView[]): JobStore {
  if (store.state.historyFrom === 0) return store;
  const start = createSeqStore<JobLive, JobEventView>({ job: initialJob(store.state.job), timeline: [], historyFrom: 0, outputs: {} });
  let rebuilt = mergeEvents(start, events, reduceJobEvent);
  if (rebuilt.seq < store.seq) return store;
  rebuilt = mergeEvents({ ...rebuilt, pending: [] }, store.pending, reduceJobEvent);
  const current = store.state.job;
  const job = {
    ...rebuilt.state.job,
    queuePosition: rebuilt.state.job.state === 'queued' ? current.queuePosition : null,
    waiting: rebuilt.state.job.state === 'queued' ? current.waiting : null,
    createdAt: current.createdAt,
    source: current.source,
  };
  return { ...rebuilt, state: { ...rebuilt.state, job } };
}

export function createJobStore(snapshot: LiveJob): JobStore {
  return applyJobSnapshot(undefined, snapshot);
}

// ---------------------------------------------------------------- derived values for display

const finishedTaskStates: readonly TaskState[] = ['completed', 'failed', 'cancelled', 'skipped'];

/** Overall progress 0..1: the mean of the tasks (finished tasks count as done), not an index in a sequence. */
export function overallProgress(job: LiveJob): number {
  // A cancelled or expired job stopped part way: show how much actually came out.
  if (job.state === 'cancelled' || job.state === 'expired') {
    return job.tasks.length ? countTasks(job, 'completed') / job.tasks.length : 0;
  }
  if (isTerminal(job.state)) return 1;
  if (job.tasks.length === 0) return 0;
  const sum = job.tasks.reduce((total, task) => total + (finishedTaskStates.includes(task.state) ? 1 : task.progress), 0);
  return sum / job.tasks.length;
}

export function countTasks(job: LiveJob, state: TaskState): number {
  return job.tasks.filter((task) => task.state === state).length;
}

/** What came out of a finished job, in words ("6 formats ready · 1 failed"). */
export function outcomeSummary(job: LiveJob): string {
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

const waitingKey = (waiting: JobWaitView | null | undefined): string => (waiting ? `${waiting.reason}:${waiting.host ?? ''}` : '');

/** What a queued job waits for, in words (the dispatcher's reason: docs/architecture.md, capacity-aware dispatch). */
export function waitingLabel(job: Pick<LiveJob, 'state' | 'waiting'>): string | null {
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

export function sourceKey(source: JobSourceView): string {
  return source.url ? `url:${source.url}` : `text:${source.text ?? ''}`;
}

/**
 * Short human label for a job's source: the URL without scheme, or the first words of the text. A long URL keeps its
 * host and the end of its path (what tells jobs on one site apart) and loses the middle.
 */
export function sourceLabel(source: JobSourceView, max = 80): string {
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
