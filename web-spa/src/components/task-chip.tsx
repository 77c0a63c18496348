import styles from '@/components/status.module.css';
import type { TaskState } from '@/types/api';
import { formatName } from '@/utils/format';

const marks: Record<TaskState, string> = {
  pending: '○',
  running: '◐',
  completed: '✓',
  failed: '✕',
  cancelled: '–',
  skipped: '–',
};

const words: Record<TaskState, string> = {
  pending: 'pending',
  running: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** One format of a job and how far it got; the state is in words for screen readers, in colour and mark for eyes. */
export function TaskChip({ format, state }: { format: string; state: TaskState }) {
  return (
    <span className={styles.chip} data-testid="format-chip" data-format={format} data-state={state} title={`${formatName(format)}: ${words[state]}`}>
      <span aria-hidden="true">{marks[state] ?? '○'}</span>
      {formatName(format)}
      <span className="visually-hidden">: {words[state] ?? state}</span>
    </span>
  );
}
