import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ConnectionStatus, LiveConnection } from '@/lib/live-connection';

export const LiveConnectionContext = createContext<LiveConnection | null>(null);

export function useLiveConnection(): LiveConnection {
  const live = useContext(LiveConnectionContext);
  if (!live) throw new Error('useLiveConnection needs the LiveConnectionContext provider (src/app/provider.tsx).');
  return live;
}

export function useConnectionStatus(): ConnectionStatus {
  const live = useLiveConnection();
  return useSyncExternalStore(live.subscribeStatus, live.getStatus);
}

/**
 * While the hub is unreachable, live data falls back to polling at `intervalMs`; connected, it needs none.
 * Returns a value for TanStack Query's refetchInterval.
 */
export function useFallbackPolling(intervalMs: number): number | false {
  return useConnectionStatus() === 'connected' ? false : intervalMs;
}
