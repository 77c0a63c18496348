// Who is signed in, and the account calls. Cookie sign-in: the browser holds the cookie, we only ask "who am I".
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { Loading } from '@/components/spinner';
import { currentUserQueryOptions, getCurrentUser } from '@/lib/api/get-current-user';
import { login } from '@/lib/api/login';
import { logout } from '@/lib/api/logout';
import { register } from '@/lib/api/register';
import { queryKeys } from '@/lib/query-keys';
import type { AccountView, Credentials } from '@/types/api';

export function useUser() {
  return useQuery(currentUserQueryOptions);
}

export function isAdmin(user: AccountView | null | undefined): boolean {
  return !!user?.roles.some((role) => role.toLowerCase() === 'admin');
}

/** Nothing of one user's data may be shown to the next one signing in on this tab. */
function forgetUserData(queryClient: QueryClient) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.me[0] });
}

/** Signs in through `signIn`, then shows this user, and nothing kept from whoever used the tab before. */
function useSignIn(signIn: (credentials: Credentials) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: Credentials) => {
      await signIn(credentials);
      return getCurrentUser();
    },
    onSuccess: (user) => {
      signedOutOnPurpose = false;
      forgetUserData(queryClient);
      queryClient.setQueryData(queryKeys.me, user);
    },
  });
}

export function useLogin() {
  return useSignIn(login);
}

export function useRegister() {
  return useSignIn(async (credentials) => {
    await register(credentials);
    // Registration creates the account; signing in sets the cookie.
    await login(credentials);
  });
}

/** After "Sign out" the guard sends the user to a plain sign-in page; an expired session remembers where they were. */
let signedOutOnPurpose = false;

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    // Whatever the server said, this browser forgets the user's data; the route guard then shows sign-in.
    onSettled: () => {
      signedOutOnPurpose = true;
      queryClient.setQueryData(queryKeys.me, null);
      forgetUserData(queryClient);
    },
  });
}

/**
 * Where to go after signing in: only a path on this origin, never back to the auth pages. The path is read as the
 * browser's URL parser reads it ("/\\evil.example" and "/<tab>/evil.example" are "//evil.example", another site), and the
 * parsed path is what we return, so what was checked is what is followed.
 */
export function safeNextPath(next: string | null): string {
  if (!next || !next.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, window.location.origin);
  } catch {
    return '/';
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (url.origin !== window.location.origin || path.startsWith('//') || path.startsWith('/\\')) return '/';
  if (url.pathname.startsWith('/sign-in') || url.pathname.startsWith('/register')) return '/';
  return path;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { data: user, isPending, isError } = useUser();
  const location = useLocation();
  if (isPending) return <Loading label="Checking your session…" />;
  if (isError || !user) {
    const next = `${location.pathname}${location.search}`;
    const plain = next === '/' || signedOutOnPurpose;
    return <Navigate to={plain ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { data: user } = useUser();
  if (!isAdmin(user)) return <Navigate to="/" replace />;
  return children;
}
