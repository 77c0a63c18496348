import styles from '@/components/connection-banner.module.css';
import { useConnectionStatus } from '@/hooks/use-live-connection';

/** Shown while live updates are interrupted; the page keeps its data and catches up when the connection is back. */
export function ConnectionBanner() {
  const status = useConnectionStatus();
  const interrupted = status === 'reconnecting' || status === 'disconnected';
  return (
    <div role="status" aria-live="polite">
      {interrupted && (
        <div className={styles.banner} data-testid="reconnecting-banner">
          <span className={styles.dot} aria-hidden="true" />
          Reconnecting… live updates are paused and will catch up automatically.
        </div>
      )}
    </div>
  );
}
