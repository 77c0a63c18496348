import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Button } from '@/components/button';
import { useCancelJob } from '@/lib/api/cancel-job';
import { isTerminal, type LiveJob } from '@/lib/job-state';
import { useDeleteJob } from '@/features/jobs/api/delete-job';
import { useRetryJob } from '@/features/jobs/api/retry-job';
import styles from '@/features/jobs/components/job-page.module.css';

export function JobActions({ job }: { job: LiveJob }) {
  const cancel = useCancelJob();
  const retry = useRetryJob();
  const remove = useDeleteJob();
  const navigate = useNavigate();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const terminal = isTerminal(job.state);

  return (
    <div className={styles.actions} role="group" aria-label="Job actions">
      {!terminal && (
        <Button variant="danger" onClick={() => cancel.mutate(job.id)} busy={cancel.isPending} disabled={job.state === 'cancelling'} data-testid="job-cancel">
          {job.state === 'cancelling' ? 'Cancelling…' : 'Cancel job'}
        </Button>
      )}
      {terminal && (
        <Button variant="primary" onClick={() => retry.mutate(job.id)} busy={retry.isPending} data-testid="job-retry">
          Retry
        </Button>
      )}
      {terminal && !confirmingDelete && (
        <Button variant="secondary" onClick={() => setConfirmingDelete(true)} data-testid="job-delete">
          Delete
        </Button>
      )}
      {terminal && confirmingDelete && (
        <>
          <Button
            variant="danger"
            autoFocus
            busy={remove.isPending}
            onClick={() => remove.mutate(job.id, { onSuccess: () => navigate('/jobs', { replace: true }) })}
            data-testid="job-delete-confirm"
          >
            Delete job and results
          </Button>
          <Button variant="ghost" onClick={() => setConfirmingDelete(false)}>
            Keep
          </Button>
        </>
      )}
    </div>
  );
}
