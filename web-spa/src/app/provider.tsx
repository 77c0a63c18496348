import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { LiveConnectionContext } from '@/hooks/use-live-connection';
import { onUnauthorized } from '@/lib/api-client';
import { useUser } from '@/lib/auth';
import { LiveConnection } from '@/lib/live-connection';
import { createQueryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';

interface AppProviderProps {
  children: ReactNode;
  queryClient?: QueryClient;
  liveConnection?: LiveConnection;
}

/** Server state (TanStack Query) and the one live connection that feeds it. */
export function AppProvider({ children, queryClient: givenClient, liveConnection: givenLive }: AppProviderProps) {
  const [queryClient] = useState(() => givenClient ?? createQueryClient());
  const [live] = useState(() => givenLive ?? new LiveConnection(queryClient));

  // Any 401 (an expired cookie) means signed out: the route guard then sends the user to sign in and back.
  useEffect(() => onUnauthorized(() => queryClient.setQueryData(queryKeys.me, null)), [queryClient]);

  return (
    <QueryClientProvider client={queryClient}>
      <LiveConnectionContext.Provider value={live}>
        <LiveConnectionLifecycle live={live} />
        {children}
      </LiveConnectionContext.Provider>
    </QueryClientProvider>
  );
}

/** Connected while someone is signed in; a different user gets a fresh connection and no one else's subscriptions. */
function LiveConnectionLifecycle({ live }: { live: LiveConnection }) {
  const { data: user } = useUser();
  const identity = user?.email ?? null;
  useEffect(() => {
    if (!identity) return;
    live.start();
    return () => void live.stop();
  }, [live, identity]);
  return null;
}
