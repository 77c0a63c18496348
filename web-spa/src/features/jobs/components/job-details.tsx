import { Link } from 'react-router';
import { Alert } from '@/components/alert';
import { Card } from '@/components/card';
import { ElapsedTime } from '@/components/elapsed-time';
import { ProgressBar } from '@/components/progress-bar';
import { Loading } from '@/components/spinner';
import { StateBadge } from '@/components/state-badge';
import { useDocumentTitle } from '@/hooks/use-document-title';
import { useLiveJob } from '@/hooks/use-live-job';
import { describeError, isApiError } from '@/lib/api-client';
import { isTerminal, outcomeSummary, overallProgress, sourceLabel, waitingLabel } from '@/lib/job-state';
import { useJobHistory } from '@/features/jobs/api/get-job-events';
import { FormatTabs } from '@/features/jobs/components/format-tabs';
import { JobActions } from '@/features/jobs/components/job-actions';
import { JobTimeline } from '@/features/jobs/components/job-timeline';
import styles from '@/features/jobs/components/job-page.module.css';
import { formatDateTime, formatPercent } from '@/utils/format';

export function JobDetails({ jobId }: { jobId: string }) {
  const { data: store, error, isPending } = useLiveJob(jobId);
  const { loadingHistory } = useJobHistory(jobId, store);
  useDocumentTitle(store ? `${sourceLabel(store.state.job.source, 50)} · ${store.state.job.state}` : 'Job');

  if (isPending) return <Loading label="Loading the job…" />;
  if (!store) {
    const notFound = isApiError(error) && error.status === 404;
    return (
      <Alert tone="error" title={notFound ? 'Job not found' : 'The job could not be loaded'} testId="job-error">
        {notFound ? 'This job does not exist, was deleted, or belongs to someone else.' : describeError(error)} <Link to="/jobs">Go to your jobs</Link>.
      </Alert>
    );
  }

  const { job, timeline, outputs, historyFrom } = store.state;
  const terminal = isTerminal(job.state);
  const progress = overallProgress(job);

  return (
    <div data-testid="job-page" data-job-id={job.id} data-state={job.state} data-seq={store.seq}>
      <Card>
        <div className={styles.header}>
          <div className={styles.titleBlock}>
            <p className={styles.eyebrow}>{job.source.url ? 'Web page' : 'Pasted text'}</p>
            <h1 className={styles.title}>
              <span>{sourceLabel(job.source, 90)}</span>
              <StateBadge state={job.state} />
            </h1>
            {job.source.url && (
              <a href={job.source.url} target="_blank" rel="noopener noreferrer nofollow" className={styles.note}>
                {job.source.url}
              </a>
            )}
          </div>
          <JobActions job={job} />
        </div>

        <ProgressBar
          className={styles.progress}
          value={progress}
          label="Overall progress"
          tone={job.state === 'completed' ? 'success' : job.state === 'failed' ? 'danger' : job.state === 'partial' ? 'warning' : terminal ? 'muted' : 'primary'}
        />
        <dl className={styles.facts}>
          <div>
            <dt>Progress</dt>
            <dd>{terminal ? outcomeSummary(job) : formatPercent(progress)}</dd>
          </div>
          {job.state === 'queued' && job.queuePosition ? (
            <div>
              <dt>Queue position</dt>
              <dd data-testid="queue-position">{job.queuePosition}</dd>
            </div>
          ) : null}
          {waitingLabel(job) ? (
            <div>
              <dt>Waiting for</dt>
              <dd data-testid="queue-waiting">{waitingLabel(job)}</dd>
            </div>
          ) : null}
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(job.createdAt)}</dd>
          </div>
          {job.startedAt && (
            <div>
              <dt>{terminal ? 'Took' : 'Running for'}</dt>
              <dd>
                <ElapsedTime from={job.startedAt} to={terminal ? job.finishedAt : null} />
              </dd>
            </div>
          )}
          {job.finishedAt && (
            <div>
              <dt>Finished</dt>
              <dd>{formatDateTime(job.finishedAt)}</dd>
            </div>
          )}
          {job.attempt && job.attempt > 1 ? (
            <div>
              <dt>Attempt</dt>
              <dd>{job.attempt}</dd>
            </div>
          ) : null}
        </dl>
        {job.error && (
          <div style={{ marginTop: 16 }}>
            <Alert tone={job.state === 'failed' ? 'error' : 'warning'}>{job.error}</Alert>
          </div>
        )}
        {job.source.text && <pre className={styles.textSource}>{job.source.text}</pre>}
      </Card>

      <Card title="Results" titleId="results-heading" testId="job-results">
        <FormatTabs job={job} outputs={outputs} />
      </Card>

      <Card title="Timeline" titleId="timeline-heading">
        <JobTimeline events={timeline} historyFrom={historyFrom} loading={loadingHistory} />
      </Card>
    </div>
  );
}
