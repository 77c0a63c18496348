// Wire types of the Api (DESIGN.md "API surface" and "Events and live progress"). JSON is camelCase; states are lower-case.

export const jobStates = ['queued', 'running', 'cancelling', 'completed', 'partial', 'failed', 'cancelled', 'expired'] as const;
export type JobState = (typeof jobStates)[number];

export const terminalJobStates: readonly JobState[] = ['completed', 'partial', 'failed', 'cancelled', 'expired'];

export type TaskState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export type JobSource = { url: string; text?: undefined } | { text: string; url?: undefined };

export interface TaskResultInfo {
  contentType?: string;
  size?: number;
  sha256?: string;
}

export interface TaskSnapshot {
  format: string;
  state: TaskState;
  /** 0..1 */
  progress: number;
  message?: string;
  error?: string;
  attempts?: number;
  result?: TaskResultInfo;
}

/** Why a queued job has not started: `user-limit`, `host` (with `host`), `scraper`, `coordination` or `ready`. */
export interface JobWaiting {
  reason: string;
  host?: string | null;
}

/** `GET /api/jobs/{id}`: the job as of `seq`. */
export interface JobSnapshot {
  id: string;
  state: JobState;
  source: JobSource;
  formats: string[];
  tasks: TaskSnapshot[];
  queuePosition?: number | null;
  /** What a queued job waits for (`host` names the busy host). */
  waiting?: JobWaiting | null;
  attempt?: number;
  error?: string | null;
  createdAt?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  /** The last event this snapshot reflects. */
  seq: number;
}

/** Server → client `jobEvent(event)`. */
export interface JobEvent {
  jobId: string;
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** Server → client `userEvent(event)`: usage and job list changes. */
export interface UserEvent {
  type: string;
  data: unknown;
}

/** `SubscribeJob(jobId, afterSeq)` answers with the missing events, or a snapshot when the gap is large. */
export type SubscribeJobResult = { events: JobEvent[]; snapshot?: undefined } | { snapshot: JobSnapshot; events?: undefined };

export interface Usage {
  running: number;
  runningLimit: number;
  queued: number;
  queuedLimit: number;
}

export interface FormatInfo {
  name: string;
  description: string;
  /** e.g. "Text", "Capture", "Capture, Model" (flags) or a list. */
  needs: string[];
  isDefault: boolean;
  contentType?: string;
}

export interface Page<T> {
  items: T[];
  total: number | null;
  page: number;
  pageSize: number;
}

export interface CurrentUser {
  email: string;
  roles: string[];
}

export interface JobOptions {
  capture?: {
    fullPage?: boolean;
    wait?: 'load' | 'networkidle' | 'selector';
    selector?: string;
    timeoutMs?: number;
  };
  [format: string]: unknown;
}

export interface CreateJobRequest {
  source: JobSource;
  formats: string[];
  options: JobOptions;
}

export interface CreateBatchRequest {
  urls: string[];
  formats: string[];
  options: JobOptions;
}
