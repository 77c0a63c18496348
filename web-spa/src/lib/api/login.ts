// POST /api/account/login: sets the auth cookie.
import { apiClient, dataOf } from '@/lib/api-client';
import type { AccountView, Credentials } from '@/types/api';

export function login(credentials: Credentials): Promise<AccountView> {
  return dataOf(apiClient.POST('/api/account/login', { body: credentials }));
}
