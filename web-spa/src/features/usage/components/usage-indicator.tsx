import { useUsage } from '@/features/usage/api/get-usage';
import styles from '@/features/usage/components/usage-indicator.module.css';

/** "Processing 3/3 · queued 1/5": always visible, live through the user's hub subscription. */
export function UsageIndicator() {
  const { data: usage } = useUsage();
  if (!usage) return <span className={styles.usage} data-testid="usage-indicator" aria-busy="true">Processing –/– · queued –/–</span>;
  const full = usage.queued >= usage.queuedLimit && usage.queuedLimit > 0;
  const className = [styles.usage, usage.running > 0 ? styles.active : '', full ? styles.full : ''].filter(Boolean).join(' ');
  return (
    <span
      className={className}
      role="status"
      data-testid="usage-indicator"
      data-running={usage.running}
      data-running-limit={usage.runningLimit}
      data-queued={usage.queued}
      data-queued-limit={usage.queuedLimit}
      title={full ? 'Your queue is full: new jobs will be refused until one starts.' : undefined}
    >
      <span className={styles.dot} aria-hidden="true" />
      {`Processing ${usage.running}/${usage.runningLimit} · queued ${usage.queued}/${usage.queuedLimit}`}
    </span>
  );
}
