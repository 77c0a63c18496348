import type { QueryClient } from '@tanstack/react-query';
import { LiveConnection, type HubConnectionLike, type LiveConnectionOptions } from '@/lib/live-connection';

type Handler = (...args: unknown[]) => void;

/** An in-memory stand-in for a SignalR HubConnection: records invocations, lets a test push server messages and drops. */
export class FakeHub implements HubConnectionLike {
  readonly invocations: { method: string; args: unknown[] }[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly reconnecting: ((error?: Error) => void)[] = [];
  private readonly reconnected: ((id?: string) => void)[] = [];
  private readonly closed: ((error?: Error) => void)[] = [];
  startFailures = 0;
  starts = 0;
  stopped = false;
  /** What SubscribeJob answers, by default no events. */
  respondToSubscribe: (jobId: string, afterSeq: number) => unknown = () => ({ events: [] });

  async start(): Promise<void> {
    this.starts++;
    if (this.startFailures > 0) {
      this.startFailures--;
      throw new Error('connection refused');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  async invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    this.invocations.push({ method, args });
    if (method === 'SubscribeJob') return this.respondToSubscribe(args[0] as string, args[1] as number) as T;
    return undefined as T;
  }

  on(method: string, handler: (...args: never[]) => void): void {
    this.handlers.set(method, handler as Handler);
  }

  onreconnecting(callback: (error?: Error) => void): void {
    this.reconnecting.push(callback);
  }

  onreconnected(callback: (id?: string) => void): void {
    this.reconnected.push(callback);
  }

  onclose(callback: (error?: Error) => void): void {
    this.closed.push(callback);
  }

  /** The server calls a client method. */
  push(method: string, payload: unknown): void {
    this.handlers.get(method)?.(payload);
  }

  dropAndReconnect(): void {
    this.reconnecting.forEach((cb) => cb(new Error('network')));
    this.reconnected.forEach((cb) => cb('new-id'));
  }

  drop(): void {
    this.reconnecting.forEach((cb) => cb(new Error('network')));
  }

  reconnect(): void {
    this.reconnected.forEach((cb) => cb('new-id'));
  }

  close(): void {
    this.closed.forEach((cb) => cb(new Error('closed')));
  }

  calls(method: string) {
    return this.invocations.filter((i) => i.method === method).map((i) => i.args);
  }
}

/** The real LiveConnection over a FakeHub, with delays short enough that tests wait milliseconds, not seconds. */
export function liveConnectionOnFakeHub(queryClient: QueryClient, options: Partial<LiveConnectionOptions> = {}) {
  const hub = new FakeHub();
  const live = new LiveConnection(queryClient, {
    createConnection: () => hub,
    gapFillDelayMs: 20,
    unsubscribeDelayMs: 20,
    listRefreshDelayMs: 5,
    startRetryDelaysMs: [5],
    ...options,
  });
  return { hub, live };
}
