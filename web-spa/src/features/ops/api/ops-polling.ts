// How the ops dashboard polls its admin reads: every interval while the tab is visible, never served from cache, and a
// failed poll is not retried (the next poll comes within the interval).
export function opsPolling(refetchIntervalMs: number) {
  return { refetchInterval: refetchIntervalMs, refetchIntervalInBackground: false, staleTime: 0, retry: false } as const;
}
