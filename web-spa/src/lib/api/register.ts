// POST /api/account/register: creates the account (same answer whether or not the address was taken); no sign-in.
import { apiClient, dataOf } from '@/lib/api-client';
import type { Credentials, RegistrationView } from '@/types/api';

export function register(credentials: Credentials): Promise<RegistrationView> {
  return dataOf(apiClient.POST('/api/account/register', { body: credentials }));
}
