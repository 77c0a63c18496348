// Applies a per-job event stream in seq order, exactly once. Pure: the live connection and the tests share it.
//
// Invariants of a SeqStore:
//  - `seq` is the highest seq folded into `state`; every event 1..seq (or snapshotSeq..seq) was applied once, in order.
//  - `pending` holds events that arrived early (seq > seq + 1), sorted, unique, waiting for the gap to be filled.

export interface Sequenced {
  seq: number;
}

export interface SeqStore<S, E extends Sequenced> {
  seq: number;
  state: S;
  pending: readonly E[];
}

export type Reducer<S, E> = (state: S, event: E) => S;

/** Early events kept while waiting for a gap to fill; beyond this the furthest are dropped (a snapshot or refetch recovers them). */
export const maxPendingEvents = 2_000;

export function createSeqStore<S, E extends Sequenced>(state: S, seq = 0): SeqStore<S, E> {
  return { seq, state, pending: [] };
}

function drain<S, E extends Sequenced>(seq: number, state: S, pending: E[], reduce: Reducer<S, E>): SeqStore<S, E> {
  let index = 0;
  while (index < pending.length && pending[index].seq <= seq) index++; // already covered
  while (index < pending.length && pending[index].seq === seq + 1) {
    state = reduce(state, pending[index]);
    seq = pending[index].seq;
    index++;
  }
  return { seq, state, pending: pending.slice(index) };
}

/**
 * Folds events into the store: in seq order, duplicates dropped, early ones buffered until the gap is filled.
 * Returns the same object when nothing changed, so React and TanStack Query see no update.
 */
export function mergeEvents<S, E extends Sequenced>(
  store: SeqStore<S, E>,
  events: readonly E[],
  reduce: Reducer<S, E>,
): SeqStore<S, E> {
  const fresh = events.filter((event) => Number.isInteger(event.seq) && event.seq > store.seq);
  if (fresh.length === 0) return store;

  const bySeq = new Map<number, E>();
  for (const event of store.pending) bySeq.set(event.seq, event);
  for (const event of fresh) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event);
  let pending = [...bySeq.values()].sort((a, b) => a.seq - b.seq);

  const next = drain(store.seq, store.state, pending, reduce);
  pending = next.pending as E[];
  if (pending.length > maxPendingEvents) pending = pending.slice(0, maxPendingEvents);

  const unchanged =
    next.seq === store.seq && pending.length === store.pending.length && pending.every((event, i) => event === store.pending[i]);
  if (unchanged) return store;
  return { ...next, pending };
}

/**
 * A snapshot replaces the state when it is newer than what we have, and sets seq to the snapshot's.
 * Buffered events after it are then applied; a stale snapshot (older or equal seq) changes nothing.
 */
export function applySnapshot<S, E extends Sequenced>(
  store: SeqStore<S, E> | undefined,
  state: S,
  seq: number,
  reduce: Reducer<S, E>,
): SeqStore<S, E> {
  if (store && seq <= store.seq) return store;
  const pending = store ? store.pending.filter((event) => event.seq > seq) : [];
  return drain(seq, state, [...pending], reduce);
}

/** The first missing seq range, when events are waiting on a gap: fetch events after `after` to fill it. */
export function missingRange<S, E extends Sequenced>(store: SeqStore<S, E>): { after: number; before: number } | null {
  if (store.pending.length === 0) return null;
  return { after: store.seq, before: store.pending[0].seq };
}
