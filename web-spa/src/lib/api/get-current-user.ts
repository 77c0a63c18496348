// GET /api/account/me: who is signed in (a 401 means nobody, not an expired session).
import { queryOptions } from '@tanstack/react-query';
import { apiClient, dataOf, isApiError, quietUnauthorizedFetch } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { AccountView } from '@/types/api';

export async function getCurrentUser(signal?: AbortSignal): Promise<AccountView | null> {
  try {
    return await dataOf(apiClient.GET('/api/account/me', { signal, fetch: quietUnauthorizedFetch }));
  } catch (error) {
    if (isApiError(error) && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

export const currentUserQueryOptions = queryOptions({
  queryKey: queryKeys.me,
  queryFn: ({ signal }) => getCurrentUser(signal),
  staleTime: 5 * 60_000,
});
