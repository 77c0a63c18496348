import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Button, buttonClass } from '@/components/button';
import { ElapsedTime } from '@/components/elapsed-time';
import { ProgressBar } from '@/components/progress-bar';
import { StateBadge } from '@/components/state-badge';
import { TaskChip } from '@/components/task-chip';
import { useLiveJob } from '@/hooks/use-live-job';
import { useCancelJob } from '@/lib/api/cancel-job';
import { isTerminal, outcomeSummary, overallProgress, sourceLabel, stateLabel, waitingLabel, type LiveJob } from '@/lib/job-state';
import { announce } from '@/features/notifications/hooks/use-announcer';
import styles from '@/features/notifications/components/notification-stack.module.css';

interface JobCardProps {
  /** From the job list; the live view replaces it as soon as it loads. */
  listed: LiveJob;
  onDismiss: (jobId: string) => void;
  /** Narrow screens start cards compact so the stack does not cover the page. */
  startMinimized?: boolean;
}

const progressTone = { completed: 'success', partial: 'warning', failed: 'danger', cancelled: 'muted', expired: 'muted' } as const;

export function JobCard({ listed, onDismiss, startMinimized = false }: JobCardProps) {
  const { data: store } = useLiveJob(listed.id);
  const job = store?.state.job ?? listed;
  const [minimized, setMinimized] = useState(startMinimized);
  const cancel = useCancelJob();
  const source = sourceLabel(job.source, 36);
  const terminal = isTerminal(job.state);
  useAnnounceStateChanges(job, source);

  return (
    <li className={styles.card} data-testid="job-card" data-job-id={job.id} data-state={job.state} aria-label={`${source}: ${stateLabel(job.state)}`}>
      <div className={styles.head}>
        <Link to={`/jobs/${job.id}`} className={styles.source} title={job.source.url ?? job.source.text ?? undefined}>
          {source}
        </Link>
        <StateBadge state={job.state} />
        <button
          type="button"
          className={styles.iconButton}
          onClick={() => setMinimized((m) => !m)}
          aria-expanded={!minimized}
          aria-label={minimized ? `Expand ${source}` : `Minimize ${source}`}
          data-testid="job-card-minimize"
        >
          {minimized ? '▴' : '▾'}
        </button>
        {terminal && (
          <button type="button" className={styles.iconButton} onClick={() => onDismiss(job.id)} aria-label={`Dismiss ${source}`} data-testid="job-card-dismiss">
            ×
          </button>
        )}
      </div>

      <ProgressBar
        className={styles.progress}
        value={overallProgress(job)}
        label={`Progress of ${source}`}
        tone={progressTone[job.state as keyof typeof progressTone] ?? 'primary'}
      />

      {!minimized && (
        <>
          {terminal && (
            <p className={styles.outcome} data-testid="job-card-outcome">
              {outcomeSummary(job)}
            </p>
          )}
          <div className={styles.chips}>
            {job.tasks.map((task) => (
              <TaskChip key={task.format} format={task.format} state={task.state} />
            ))}
          </div>
          <div className={styles.meta}>
            {job.state === 'queued' ? (
              <span data-testid="job-card-waiting">
                {[job.queuePosition ? `Position ${job.queuePosition} in your queue` : 'Waiting for a slot', waitingLabel(job)]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            ) : (
              <span>
                <ElapsedTime from={job.startedAt ?? job.createdAt} to={terminal ? job.finishedAt : null} />
              </span>
            )}
            <span className={styles.actions}>
              <Link to={`/jobs/${job.id}`} className={buttonClass('ghost', 'sm')} data-testid="job-card-open">
                Open
              </Link>
              {!terminal && (
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => cancel.mutate(job.id)}
                  disabled={job.state === 'cancelling'}
                  busy={cancel.isPending}
                  aria-label={`Cancel ${source}`}
                  data-testid="job-card-cancel"
                >
                  Cancel
                </Button>
              )}
            </span>
          </div>
        </>
      )}
    </li>
  );
}

function useAnnounceStateChanges(job: LiveJob, source: string) {
  const previous = useRef(job.state);
  useEffect(() => {
    if (previous.current === job.state) return;
    previous.current = job.state;
    announce(isTerminal(job.state) ? `${source}: ${outcomeSummary(job)}` : `${source}: ${stateLabel(job.state)}`);
  }, [job, source]);
}
