import { Navigate, useSearchParams } from 'react-router';
import { Loading } from '@/components/spinner';
import { useDocumentTitle } from '@/hooks/use-document-title';
import { safeNextPath, useUser } from '@/lib/auth';
import { AuthForm } from '@/features/auth/components/auth-form';

function AuthRoute({ mode }: { mode: 'sign-in' | 'register' }) {
  useDocumentTitle(mode === 'sign-in' ? 'Sign in' : 'Create account');
  const { data: user, isPending } = useUser();
  const [params] = useSearchParams();
  if (isPending) return <Loading label="Checking your session…" />;
  if (user) return <Navigate to={safeNextPath(params.get('next'))} replace />;
  return <AuthForm mode={mode} />;
}

export function SignInRoute() {
  return <AuthRoute mode="sign-in" />;
}

export function RegisterRoute() {
  return <AuthRoute mode="register" />;
}
