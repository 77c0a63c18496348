// POST /api/account/logout: clears the auth cookie.
import { apiClient, dataOf } from '@/lib/api-client';

export function logout(): Promise<void> {
  return dataOf(apiClient.POST('/api/account/logout'));
}
