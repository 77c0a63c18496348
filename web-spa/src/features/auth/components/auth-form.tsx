import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert } from '@/components/alert';
import { Button } from '@/components/button';
import { TextField } from '@/components/field';
import { describeError, isApiError } from '@/lib/api-client';
import { safeNextPath, useLogin, useRegister } from '@/lib/auth';
import styles from '@/features/auth/components/auth-form.module.css';

type Mode = 'sign-in' | 'register';

const copy = {
  'sign-in': { title: 'Sign in', lead: 'Welcome back. Sign in to see your jobs.', submit: 'Sign in', busy: 'Signing in…' },
  register: { title: 'Create your account', lead: 'Capture pages and turn them into Markdown, PDFs, summaries and more.', submit: 'Create account', busy: 'Creating account…' },
};

export function AuthForm({ mode }: { mode: Mode }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const login = useLogin();
  const register = useRegister();
  const mutation = mode === 'sign-in' ? login : register;
  const text = copy[mode];
  const next = safeNextPath(searchParams.get('next'));

  const error = mutation.error;
  const { emailErrors, passwordErrors, otherErrors } = splitFieldErrors(error);
  const generalError = error && emailErrors.length + passwordErrors.length === 0 ? generalMessage(error, mode, otherErrors) : null;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    mutation.mutate({ email: email.trim(), password }, { onSuccess: (user) => user && navigate(next, { replace: true }) });
  }

  const otherMode = mode === 'sign-in' ? '/register' : '/sign-in';
  const otherHref = next === '/' ? otherMode : `${otherMode}?next=${encodeURIComponent(next)}`;

  return (
    <div className={styles.wrap}>
      <div className={styles.panel}>
        <h1>{text.title}</h1>
        <p className={styles.lead}>{text.lead}</p>
        {generalError && (
          <Alert tone="error" testId="auth-error">
            {generalError}
          </Alert>
        )}
        <form onSubmit={onSubmit} noValidate aria-label={text.title} data-testid={`${mode}-form`}>
          <TextField
            id="email"
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={emailErrors}
            autoFocus
          />
          <TextField
            id="password"
            label="Password"
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={passwordErrors}
            hint={mode === 'register' ? 'At least 8 characters.' : undefined}
          />
          <div className={styles.actions}>
            <Button type="submit" variant="primary" busy={mutation.isPending}>
              {mutation.isPending ? text.busy : text.submit}
            </Button>
          </div>
        </form>
        <p className={styles.switch}>
          {mode === 'sign-in' ? 'New here? ' : 'Already have an account? '}
          <Link to={otherHref}>{mode === 'sign-in' ? 'Create an account' : 'Sign in'}</Link>
        </p>
      </div>
    </div>
  );
}

/** Identity reports errors under codes (PasswordTooShort, DuplicateUserName…): each goes next to its field. */
function splitFieldErrors(error: unknown) {
  const emailErrors: string[] = [];
  const passwordErrors: string[] = [];
  const otherErrors: string[] = [];
  if (isApiError(error)) {
    for (const [key, messages] of Object.entries(error.fieldErrors)) {
      const k = key.toLowerCase();
      if (k.includes('password')) passwordErrors.push(...messages);
      else if (k.includes('email') || k.includes('username')) emailErrors.push(...messages);
      else otherErrors.push(...messages);
    }
  }
  return { emailErrors, passwordErrors, otherErrors };
}

function generalMessage(error: unknown, mode: Mode, otherErrors: string[]): string {
  if (otherErrors.length) return otherErrors.join(' ');
  if (isApiError(error) && mode === 'sign-in' && (error.status === 401 || error.status === 400)) {
    return 'That email and password do not match an account.';
  }
  // Registration never says whether an address is taken; the sign-in that follows it fails the same way either way.
  if (isApiError(error) && mode === 'register' && error.status === 401) {
    return 'Could not sign you in with this email and password. If the address already has an account, sign in instead.';
  }
  if (isApiError(error) && error.status === 429) {
    return 'Too many attempts. Wait a little and try again.';
  }
  return describeError(error);
}
