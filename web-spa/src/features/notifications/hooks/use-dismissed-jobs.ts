import { useCallback, useSyncExternalStore } from 'react';

// Which finished cards the user dismissed. A UI preference, not job state: kept in localStorage so a refresh and
// every other tab agree (the "storage" event carries changes between tabs).
const storageKey = 'platform.stack.dismissed';
const maxRemembered = 500;
const listeners = new Set<() => void>();
let cache: { raw: string | null; ids: ReadonlySet<string> } = { raw: null, ids: new Set() };
/** Used when localStorage is unavailable. */
let memoryOnly: string | null = null;

function rawValue(): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return memoryOnly;
  }
}

// Same set object while the stored text is unchanged (useSyncExternalStore needs a stable snapshot).
function read(): ReadonlySet<string> {
  const raw = rawValue();
  if (raw === cache.raw) return cache.ids;
  let ids: ReadonlySet<string>;
  try {
    ids = new Set(raw ? (JSON.parse(raw) as string[]) : []);
  } catch {
    ids = new Set();
  }
  cache = { raw, ids };
  return ids;
}

function write(ids: string[]) {
  const raw = JSON.stringify(ids.slice(-maxRemembered));
  try {
    window.localStorage.setItem(storageKey, raw);
  } catch {
    memoryOnly = raw; // private mode or quota: dismissals then last for this tab only
  }
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === storageKey || event.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useDismissedJobs() {
  const dismissed = useSyncExternalStore(subscribe, read);
  const dismiss = useCallback((...jobIds: string[]) => write([...read(), ...jobIds.filter((id) => !read().has(id))]), []);
  return { dismissed, dismiss };
}
