// The one SignalR connection (hub /hubs/jobs). It owns every job subscription, resumes each from its last seq after a
// reconnect, and writes what arrives into the TanStack Query cache, which the UI reads. Wire names: DESIGN.md "Events".
import {
  HubConnectionBuilder,
  LogLevel,
  type IRetryPolicy,
  type RetryContext,
} from '@microsoft/signalr';
import type { QueryClient } from '@tanstack/react-query';
import { jobLiveQueryOptions } from '@/lib/api/get-job';
import { missingRange } from '@/lib/event-merge';
import { applyJobEvents, applyJobSnapshot, isActive, type JobStore } from '@/lib/job-state';
import { queryKeys } from '@/lib/query-keys';
import type { JobEventView, JobSubscription, UsageView, UserEvent } from '@/types/api';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** The part of @microsoft/signalr's HubConnection we use; tests pass a fake. */
export interface HubConnectionLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  invoke<T = unknown>(methodName: string, ...args: unknown[]): Promise<T>;
  on(methodName: string, handler: (...args: never[]) => void): void;
  onreconnecting(callback: (error?: Error) => void): void;
  onreconnected(callback: (connectionId?: string) => void): void;
  onclose(callback: (error?: Error) => void): void;
}

export interface LiveConnectionOptions {
  hubUrl?: string;
  createConnection?: (hubUrl: string) => HubConnectionLike;
  /** How long an out-of-order event may wait for the gap before we ask the hub again. */
  gapFillDelayMs?: number;
  /** Keep a subscription this long after the last watcher leaves (navigating card → page must not churn). */
  unsubscribeDelayMs?: number;
  /** Coalesces job-list refetches triggered by user events. */
  listRefreshDelayMs?: number;
  /** Delays between attempts to start (or restart after close); the last one repeats. */
  startRetryDelaysMs?: number[];
  /**
   * A watched job that is still active and has heard nothing for this long is resumed from its seq, so a lost final
   * event (no later event reveals the gap) cannot leave it "running" while the connection stays up.
   */
  reconcileIntervalMs?: number;
}

export const hubMethods = {
  subscribeJob: 'SubscribeJob',
  unsubscribeJob: 'UnsubscribeJob',
  subscribeUser: 'SubscribeUser',
  jobEvent: 'jobEvent',
  userEvent: 'userEvent',
} as const;

/** Never gives up: 0, 1, 2, 5 s, then 10 s with jitter, so the banner stays until the server is back. */
export const foreverRetryPolicy: IRetryPolicy = {
  nextRetryDelayInMilliseconds(context: RetryContext) {
    const steps = [0, 1_000, 2_000, 5_000];
    const base = steps[context.previousRetryCount] ?? 10_000;
    return base + Math.floor(Math.random() * Math.min(1_000, base / 2));
  },
};

export function createHubConnection(hubUrl: string): HubConnectionLike {
  return new HubConnectionBuilder()
    .withUrl(hubUrl, { withCredentials: true })
    .withAutomaticReconnect(foreverRetryPolicy)
    .withStatefulReconnect({ bufferSize: 1_000_000 })
    .configureLogging(LogLevel.Warning)
    .build();
}

type Listener = (status: ConnectionStatus) => void;

export class LiveConnection {
  private readonly queryClient: QueryClient;
  private readonly options: Required<LiveConnectionOptions>;
  private connection: HubConnectionLike | null = null;
  private statusValue: ConnectionStatus = 'idle';
  private readonly listeners = new Set<Listener>();
  /** jobId → number of components watching it. */
  private readonly watchers = new Map<string, number>();
  /** Jobs the hub currently has us subscribed to. */
  private readonly subscribed = new Set<string>();
  private readonly unsubscribeTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private listRefreshTimer: ReturnType<typeof setTimeout> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private reconcileTimer: ReturnType<typeof setInterval> | null = null;
  /** jobId → when its store last changed or was checked with the server. */
  private readonly lastHeard = new Map<string, number>();
  /** Bumped by stop(): work started for an older generation is ignored. */
  private generation = 0;

  constructor(queryClient: QueryClient, options: LiveConnectionOptions = {}) {
    this.queryClient = queryClient;
    this.options = {
      hubUrl: options.hubUrl ?? '/hubs/jobs',
      createConnection: options.createConnection ?? createHubConnection,
      gapFillDelayMs: options.gapFillDelayMs ?? 750,
      unsubscribeDelayMs: options.unsubscribeDelayMs ?? 3_000,
      listRefreshDelayMs: options.listRefreshDelayMs ?? 300,
      startRetryDelaysMs: options.startRetryDelaysMs ?? [1_000, 2_000, 5_000, 10_000],
      reconcileIntervalMs: options.reconcileIntervalMs ?? 15_000,
    };
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** For useSyncExternalStore. */
  subscribeStatus = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getStatus = (): ConnectionStatus => this.statusValue;

  /** Connects (idempotent). Retries until it succeeds or stop() is called. */
  start(): void {
    if (this.connection) return;
    const generation = ++this.generation;
    const connection = this.options.createConnection(this.options.hubUrl);
    this.connection = connection;

    const current = () => generation === this.generation;
    connection.on(hubMethods.jobEvent, ((event: JobEventView) => current() && this.onJobEvent(event)) as (...args: never[]) => void);
    connection.on(hubMethods.userEvent, ((event: UserEvent) => current() && this.onUserEvent(event)) as (...args: never[]) => void);
    connection.onreconnecting(() => {
      if (current()) this.setStatus('reconnecting');
    });
    connection.onreconnected(() => {
      if (current()) void this.afterConnected(generation);
    });
    connection.onclose(() => {
      if (!current()) return;
      // Closed for good (not a transient drop the client retries itself): start again with backoff.
      this.subscribed.clear();
      this.stopReconciling();
      this.setStatus('disconnected');
      this.scheduleStart(generation, 0);
    });
    this.setStatus('connecting');
    void this.tryStart(generation, 0);
  }

  /** Disconnects and forgets every subscription (sign-out). */
  async stop(): Promise<void> {
    this.generation++;
    const connection = this.connection;
    this.connection = null;
    this.subscribed.clear();
    this.watchers.clear();
    for (const timer of [...this.unsubscribeTimers.values(), ...this.gapTimers.values()]) clearTimeout(timer);
    this.unsubscribeTimers.clear();
    this.gapTimers.clear();
    if (this.listRefreshTimer) clearTimeout(this.listRefreshTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.listRefreshTimer = this.restartTimer = null;
    this.stopReconciling();
    this.lastHeard.clear();
    this.setStatus('idle');
    if (connection) await connection.stop().catch(() => undefined);
  }

  /** Keeps a job subscribed while someone shows it; returns the release function. */
  watchJob(jobId: string): () => void {
    const pendingRelease = this.unsubscribeTimers.get(jobId);
    if (pendingRelease) {
      clearTimeout(pendingRelease);
      this.unsubscribeTimers.delete(jobId);
    }
    this.watchers.set(jobId, (this.watchers.get(jobId) ?? 0) + 1);
    if (this.statusValue === 'connected' && !this.subscribed.has(jobId)) void this.subscribeJob(jobId, this.generation);

    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.watchers.get(jobId) ?? 1) - 1;
      if (count > 0) {
        this.watchers.set(jobId, count);
        return;
      }
      this.watchers.delete(jobId);
      this.unsubscribeTimers.set(
        jobId,
        setTimeout(() => {
          this.unsubscribeTimers.delete(jobId);
          if (this.watchers.has(jobId) || !this.subscribed.has(jobId)) return;
          this.subscribed.delete(jobId);
          void this.connection?.invoke(hubMethods.unsubscribeJob, jobId).catch(() => undefined);
        }, this.options.unsubscribeDelayMs),
      );
    };
  }

  /** Jobs currently subscribed on the hub (for tests and diagnostics). */
  subscribedJobs(): string[] {
    return [...this.subscribed];
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    this.listeners.forEach((listener) => listener(status));
  }

  private async tryStart(generation: number, attempt: number): Promise<void> {
    const connection = this.connection;
    if (!connection || generation !== this.generation) return;
    try {
      await connection.start();
    } catch {
      if (generation !== this.generation) return;
      this.setStatus(attempt === 0 ? 'connecting' : 'disconnected');
      this.scheduleStart(generation, attempt + 1);
      return;
    }
    await this.afterConnected(generation);
  }

  private scheduleStart(generation: number, attempt: number): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const delays = this.options.startRetryDelaysMs;
    const delay = delays[Math.min(attempt, delays.length - 1)];
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.tryStart(generation, attempt);
    }, delay);
  }

  /** After the first connect and after every reconnect: resume each job from the seq we hold, and catch up usage. */
  private async afterConnected(generation: number): Promise<void> {
    if (generation !== this.generation) return;
    this.setStatus('connected');
    this.subscribed.clear();
    this.startReconciling(generation);
    const jobs = [...this.watchers.keys()];
    await Promise.all([
      this.connection
        ?.invoke<UsageView>(hubMethods.subscribeUser)
        .then((usage) => generation === this.generation && this.setUsage(usage))
        .catch(() => undefined),
      ...jobs.map((jobId) => this.subscribeJob(jobId, generation)),
    ]);
    // User events may have been missed while we were away.
    void this.queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    void this.queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
  }

  private async subscribeJob(jobId: string, generation: number): Promise<void> {
    const connection = this.connection;
    if (!connection || generation !== this.generation) return;
    this.subscribed.add(jobId);
    try {
      // A store must exist before events can be applied to it: it carries the seq we resume from.
      const store = await this.queryClient.ensureQueryData(jobLiveQueryOptions(jobId));
      if (generation !== this.generation) return;
      const current = this.liveStore(jobId) ?? store;
      this.lastHeard.set(jobId, Date.now());
      const result = await connection.invoke<JobSubscription>(hubMethods.subscribeJob, jobId, current.seq);
      if (generation !== this.generation) return;
      this.applySubscribeResult(jobId, result);
    } catch {
      // Not found / not ours / connection dropped: the REST query shows the error; a reconnect subscribes again.
      this.subscribed.delete(jobId);
    }
  }

  private applySubscribeResult(jobId: string, result: JobSubscription): void {
    this.updateStore(jobId, (store) => {
      let next = store;
      if (result.snapshot) next = applyJobSnapshot(next, result.snapshot);
      if (result.events) next = applyJobEvents(next, result.events);
      return next;
    });
  }

  private liveStore(jobId: string): JobStore | undefined {
    return this.queryClient.getQueryData<JobStore>(queryKeys.jobs.live(jobId));
  }

  private onJobEvent(event: JobEventView): void {
    this.updateStore(event.jobId, (store) => applyJobEvents(store, [event]));
    if (event.type === 'job.state') this.scheduleListRefresh();
  }

  private updateStore(jobId: string, change: (store: JobStore) => JobStore): void {
    const key = queryKeys.jobs.live(jobId);
    const store = this.queryClient.getQueryData<JobStore>(key);
    if (!store) return; // nobody shows this job any more
    const next = change(store);
    if (next !== store) {
      this.queryClient.setQueryData(key, next);
      this.lastHeard.set(jobId, Date.now());
    }
    this.checkGap(jobId, next);
  }

  /** Events are waiting on a missing seq: if it does not arrive soon, ask the hub for everything after our seq. */
  private checkGap(jobId: string, store: JobStore): void {
    const existing = this.gapTimers.get(jobId);
    if (!missingRange(store)) {
      if (existing) {
        clearTimeout(existing);
        this.gapTimers.delete(jobId);
      }
      return;
    }
    if (existing) return;
    this.resumeUnlessCaughtUp(jobId, (latest) => missingRange(latest) !== null);
  }

  /** Gives the events in flight the gap-fill delay to arrive; a job still behind then is resumed from its seq. */
  private resumeUnlessCaughtUp(jobId: string, stillBehind: (store: JobStore) => boolean): void {
    const generation = this.generation;
    this.gapTimers.set(
      jobId,
      setTimeout(() => {
        this.gapTimers.delete(jobId);
        const latest = this.liveStore(jobId);
        if (latest && stillBehind(latest) && generation === this.generation) void this.subscribeJob(jobId, generation);
      }, this.options.gapFillDelayMs),
    );
  }

  /**
   * One timer per connection: every watched job still active (queued, running, cancelling) that has been quiet for
   * the interval is resumed from its seq — the same SubscribeJob as after a reconnect, answered with what we missed.
   */
  private startReconciling(generation: number): void {
    this.stopReconciling();
    const interval = this.options.reconcileIntervalMs;
    this.reconcileTimer = setInterval(() => {
      if (generation !== this.generation || this.statusValue !== 'connected') return;
      const quietSince = Date.now() - interval;
      for (const jobId of this.subscribed) {
        const store = this.liveStore(jobId);
        if (!store || !isActive(store.state.job.state) || (this.lastHeard.get(jobId) ?? 0) > quietSince) continue;
        void this.subscribeJob(jobId, generation);
      }
    }, Math.max(1, Math.floor(interval / 2)));
  }

  private stopReconciling(): void {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = null;
  }

  /** SubscribeUser answers with the current usage; "usage" user events carry it later. */
  private setUsage(usage: UsageView): void {
    this.queryClient.setQueryData<UsageView>(queryKeys.usage, usage);
  }

  private onUserEvent(event: UserEvent): void {
    if (event.type === 'usage') {
      this.setUsage(event.data);
      return;
    }
    // "job.changed" carries the job's latest seq: a watched job that is behind catches up as if it had a gap.
    const { id, seq } = event.data;
    if (this.watchers.has(id)) this.noteLatestSeq(id, seq);
    this.scheduleListRefresh();
  }

  private noteLatestSeq(jobId: string, seq: number): void {
    const store = this.liveStore(jobId);
    if (!store || store.seq >= seq || this.gapTimers.has(jobId)) return;
    this.resumeUnlessCaughtUp(jobId, (latest) => latest.seq < seq);
  }

  /** Job lists change in bursts (a batch submit, several jobs finishing): refetch once per burst. */
  private scheduleListRefresh(): void {
    if (this.listRefreshTimer) return;
    this.listRefreshTimer = setTimeout(() => {
      this.listRefreshTimer = null;
      void this.queryClient.invalidateQueries({ queryKey: queryKeys.jobs.lists });
    }, this.options.listRefreshDelayMs);
  }
}
