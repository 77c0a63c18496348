import { stateLabel } from '@/lib/job-state';
import styles from '@/features/jobs/components/job-page.module.css';
import type { JobEvent, JobState } from '@/types/api';
import { formatBytes, formatName, formatTime } from '@/utils/format';

export function describeEvent(event: JobEvent): string {
  const data = event.data ?? {};
  const format = typeof data.format === 'string' ? formatName(data.format) : '';
  const error = typeof data.error === 'string' ? ` — ${data.error}` : '';
  switch (event.type) {
    case 'job.state': {
      const attempt = typeof data.attempt === 'number' && data.attempt > 1 ? ` (attempt ${data.attempt})` : '';
      return `Job ${stateLabel(String(data.state) as JobState).toLowerCase()}${attempt}${error}`;
    }
    case 'task.state':
      return `${format}: ${String(data.state)}${typeof data.attempts === 'number' && data.attempts > 1 ? ` (try ${data.attempts})` : ''}${error}`;
    case 'task.result':
      return `${format} result ready${typeof data.size === 'number' ? ` (${formatBytes(data.size)})` : ''}`;
    default:
      return event.type;
  }
}

interface JobTimelineProps {
  events: JobEvent[];
  /** Events up to this seq are not loaded (yet). */
  historyFrom: number;
  loading: boolean;
}

export function JobTimeline({ events, historyFrom, loading }: JobTimelineProps) {
  return (
    <div data-testid="job-timeline">
      {historyFrom > 0 && <p className={styles.note}>{loading ? 'Loading earlier events…' : `Events before #${historyFrom + 1} are not shown.`}</p>}
      {events.length === 0 && historyFrom === 0 && <p className={styles.note}>No events yet.</p>}
      <ol className={styles.timeline}>
        {events.map((event) => (
          <li key={event.seq} data-seq={event.seq} data-type={event.type}>
            <time dateTime={event.at} className={styles.muted}>
              {formatTime(event.at)}
            </time>
            <span className={styles.muted}>#{event.seq}</span>
            <span>{describeEvent(event)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
