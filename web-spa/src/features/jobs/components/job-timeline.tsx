import { stateLabel } from '@/lib/job-state';
import styles from '@/features/jobs/components/job-page.module.css';
import type { JobEventView } from '@/types/api';
import { formatBytes, formatName, formatTime } from '@/utils/format';

export function describeEvent(event: JobEventView): string {
  const error = (text: string | null | undefined) => (text ? ` — ${text}` : '');
  switch (event.type) {
    case 'job.state': {
      const { state, attempt } = event.data;
      return `Job ${stateLabel(state).toLowerCase()}${attempt && attempt > 1 ? ` (attempt ${attempt})` : ''}${error(event.data.error)}`;
    }
    case 'task.state': {
      const { format, state, attempts } = event.data;
      return `${formatName(format)}: ${state}${attempts && attempts > 1 ? ` (try ${attempts})` : ''}${error(event.data.error)}`;
    }
    case 'task.result':
      return `${formatName(event.data.format)} result ready (${formatBytes(event.data.size)})`;
    default:
      return event.type;
  }
}

interface JobTimelineProps {
  events: JobEventView[];
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
