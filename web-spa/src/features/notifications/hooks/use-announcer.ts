import { useSyncExternalStore } from 'react';

// One polite announcement at a time for the stack: state changes are read out, progress ticks are not.
let message = '';
const listeners = new Set<() => void>();

export function announce(text: string) {
  message = text;
  listeners.forEach((l) => l());
}

export function useAnnouncement(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => message,
  );
}
