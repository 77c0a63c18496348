import styles from '@/components/status.module.css';
import { stateLabel } from '@/lib/job-state';
import type { JobState } from '@/types/api';

const tones: Record<JobState, string> = {
  queued: styles.neutral,
  running: `${styles.info} ${styles.running}`,
  cancelling: styles.warning,
  completed: styles.success,
  partial: styles.warning,
  failed: styles.danger,
  cancelled: styles.neutral,
  expired: styles.neutral,
};

export function StateBadge({ state }: { state: JobState }) {
  return (
    <span className={`${styles.badge} ${tones[state] ?? styles.neutral}`} data-testid="job-state" data-state={state}>
      {stateLabel(state)}
    </span>
  );
}
