import { applySnapshot, createSeqStore, maxPendingEvents, mergeEvents, missingRange, type SeqStore } from '@/lib/event-merge';

interface Ev {
  seq: number;
  value: string;
}

// The state is the list of applied values: order and multiplicity are visible.
const reduce = (state: string[], event: Ev) => [...state, event.value];
const ev = (seq: number): Ev => ({ seq, value: `e${seq}` });
const evs = (...seqs: number[]) => seqs.map(ev);
const empty = () => createSeqStore<string[], Ev>([]);
const values = (...seqs: number[]) => seqs.map((seq) => `e${seq}`);

function feedOneByOne(store: SeqStore<string[], Ev>, events: Ev[]) {
  return events.reduce((s, e) => mergeEvents(s, [e], reduce), store);
}

describe('mergeEvents', () => {
  test('applies events in seq order', () => {
    const store = mergeEvents(empty(), evs(1, 2, 3), reduce);
    expect(store.state).toEqual(values(1, 2, 3));
    expect(store.seq).toBe(3);
    expect(store.pending).toEqual([]);
  });

  test('drops duplicates, in one batch and across batches', () => {
    let store = mergeEvents(empty(), evs(1, 1, 2, 2), reduce);
    store = mergeEvents(store, evs(2, 1, 3), reduce);
    expect(store.state).toEqual(values(1, 2, 3));
  });

  test('returns the same object when nothing is new (no re-render)', () => {
    const store = mergeEvents(empty(), evs(1, 2), reduce);
    expect(mergeEvents(store, evs(1, 2), reduce)).toBe(store);
    expect(mergeEvents(store, [], reduce)).toBe(store);
  });

  test('buffers events after a gap until the gap is filled', () => {
    let store = mergeEvents(empty(), evs(1, 2), reduce);
    store = mergeEvents(store, evs(5, 4), reduce);
    expect(store.state).toEqual(values(1, 2));
    expect(store.seq).toBe(2);
    expect(store.pending.map((e) => e.seq)).toEqual([4, 5]);
    expect(missingRange(store)).toEqual({ after: 2, before: 4 });

    store = mergeEvents(store, evs(3), reduce);
    expect(store.state).toEqual(values(1, 2, 3, 4, 5));
    expect(store.pending).toEqual([]);
    expect(missingRange(store)).toBeNull();
  });

  test('a duplicate of a buffered event is kept once', () => {
    let store = mergeEvents(empty(), evs(1, 3, 3), reduce);
    store = mergeEvents(store, evs(3), reduce);
    expect(store.pending.map((e) => e.seq)).toEqual([3]);
    store = mergeEvents(store, evs(2), reduce);
    expect(store.state).toEqual(values(1, 2, 3));
  });

  test('any arrival order, with repeats, ends in the same state', () => {
    const orders = [
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
      [2, 1, 4, 3, 6, 5],
      [3, 3, 1, 6, 2, 2, 5, 4, 1],
    ];
    for (const order of orders) {
      const store = feedOneByOne(empty(), evs(...order));
      expect(store.state).toEqual(values(1, 2, 3, 4, 5, 6));
      expect(store.seq).toBe(6);
    }
  });

  test('ignores events without an integer seq', () => {
    const store = mergeEvents(empty(), [{ seq: Number.NaN, value: 'x' }, { seq: 1.5, value: 'y' }, ev(1)], reduce);
    expect(store.state).toEqual(values(1));
  });

  test('bounds the buffer, keeping the events nearest to the gap', () => {
    const far = Array.from({ length: maxPendingEvents + 10 }, (_, i) => ev(i + 3));
    const store = mergeEvents(mergeEvents(empty(), evs(1), reduce), far, reduce);
    expect(store.pending).toHaveLength(maxPendingEvents);
    expect(store.pending[0].seq).toBe(3);
  });
});

describe('applySnapshot', () => {
  const snapshotState = (label: string) => [`snapshot:${label}`];

  test('a newer snapshot replaces the state and sets seq', () => {
    const store = mergeEvents(empty(), evs(1, 2), reduce);
    const next = applySnapshot(store, snapshotState('10'), 10, reduce);
    expect(next.state).toEqual(['snapshot:10']);
    expect(next.seq).toBe(10);
  });

  test('events after the snapshot apply, events it already covers are dropped', () => {
    let store = applySnapshot(undefined, snapshotState('10'), 10, reduce);
    store = mergeEvents(store, evs(9, 10, 11, 12), reduce);
    expect(store.state).toEqual(['snapshot:10', 'e11', 'e12']);
  });

  test('a snapshot fills a gap: buffered events after it are applied at once', () => {
    let store = mergeEvents(empty(), evs(1, 2, 7, 8, 4), reduce);
    expect(store.seq).toBe(2);
    store = applySnapshot(store, snapshotState('6'), 6, reduce);
    expect(store.state).toEqual(['snapshot:6', 'e7', 'e8']);
    expect(store.seq).toBe(8);
    expect(store.pending).toEqual([]);
  });

  test('a stale or equal snapshot changes nothing', () => {
    const store = mergeEvents(empty(), evs(1, 2, 3), reduce);
    expect(applySnapshot(store, snapshotState('2'), 2, reduce)).toBe(store);
    expect(applySnapshot(store, snapshotState('3'), 3, reduce)).toBe(store);
  });

  test('a first snapshot creates the store', () => {
    const store = applySnapshot<string[], Ev>(undefined, snapshotState('0'), 0, reduce);
    expect(store).toEqual({ seq: 0, state: ['snapshot:0'], pending: [] });
  });
});

describe('two tabs on the same job', () => {
  test('see the same sequence whatever each one receives, and when', () => {
    // Tab A was open from the start; tab B opened later (snapshot at 3), then lost its connection and resubscribed.
    let tabA = empty();
    tabA = mergeEvents(tabA, evs(1, 2, 3, 4), reduce);
    tabA = mergeEvents(tabA, evs(5, 6), reduce);

    let tabB = applySnapshot<string[], Ev>(undefined, values(1, 2, 3), 3, reduce);
    tabB = mergeEvents(tabB, evs(5), reduce); // 4 was lost with the connection
    tabB = mergeEvents(tabB, evs(4, 5, 6), reduce); // resubscribe after 3 replays 4..6

    expect(tabB.state).toEqual(tabA.state);
    expect(tabB.seq).toBe(tabA.seq);
  });
});
