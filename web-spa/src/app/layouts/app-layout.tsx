import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { Button } from '@/components/button';
import { ConnectionBanner } from '@/components/connection-banner';
import { Toaster } from '@/components/toaster';
import { isAdmin, RequireAuth, useLogout, useUser } from '@/lib/auth';
import { NotificationStack } from '@/features/notifications/components/notification-stack';
import { UsageIndicator } from '@/features/usage/components/usage-indicator';
import styles from '@/app/layouts/app-layout.module.css';

/** The signed-in shell: header with navigation, usage and account; the reconnecting banner; the stack; toasts. */
export function AppLayout() {
  return (
    <RequireAuth>
      <SignedInShell />
    </RequireAuth>
  );
}

function SignedInShell() {
  const { data: user } = useUser();
  const logout = useLogout();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const [stackOccupied, setStackOccupied] = useState(false);

  // After client-side navigation, move focus to the content so keyboard and screen-reader users start there.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className={styles.header} data-testid="app-header">
        <div className={styles.headerInner}>
          <Link to="/" className={styles.brand} aria-label="Platform home">
            <span className={styles.logo} aria-hidden="true">
              P
            </span>
            Platform
          </Link>
          <nav className={styles.nav} aria-label="Main">
            <NavLink to="/" end>
              New job
            </NavLink>
            <NavLink to="/jobs" end>
              History
            </NavLink>
            {isAdmin(user) && <NavLink to="/ops">Operations</NavLink>}
          </nav>
          <div className={styles.right}>
            <UsageIndicator />
            <span className={styles.user} data-testid="user-email" title={user?.email}>
              {user?.email}
            </span>
            <Button
              size="sm"
              variant="secondary"
              busy={logout.isPending}
              onClick={() => logout.mutate()}
              data-testid="sign-out"
            >
              Sign out
            </Button>
          </div>
        </div>
        <ConnectionBanner />
      </header>
      <main id="main" ref={main} tabIndex={-1} className={`${styles.main} ${stackOccupied ? styles.besideStack : ''}`}>
        <Outlet />
      </main>
      <NotificationStack onOccupiedChange={setStackOccupied} />
      <Toaster />
    </>
  );
}

export function PublicLayout() {
  return (
    <>
      <main id="main">
        <Outlet />
      </main>
      <Toaster />
    </>
  );
}

export { styles as layoutStyles };
