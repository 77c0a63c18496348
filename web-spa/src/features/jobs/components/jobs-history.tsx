import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert } from '@/components/alert';
import { Button } from '@/components/button';
import { SelectField, TextField } from '@/components/field';
import { Loading } from '@/components/spinner';
import { StateBadge } from '@/components/state-badge';
import { Table } from '@/components/table';
import { TaskChip } from '@/components/task-chip';
import { describeError } from '@/lib/api-client';
import { jobListQueryOptions } from '@/lib/api/get-jobs';
import { sourceLabel, stateLabel, type LiveJob } from '@/lib/job-state';
import styles from '@/features/jobs/components/jobs-history.module.css';
import { jobStateValues } from '@/types/api';
import { formatDateTime, formatDuration } from '@/utils/format';

const pageSize = 20;

/** Every job of the user, newest first; filters live in the URL so a view can be bookmarked and survives a refresh. */
export function JobsHistory() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const search = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [searchInput, setSearchInput] = useState(search);

  const update = (changes: Record<string, string>) =>
    setParams(
      (current) => {
        for (const [key, value] of Object.entries(changes)) {
          if (value) current.set(key, value);
          else current.delete(key);
        }
        return current;
      },
      { replace: true },
    );

  // Search as the user types, once they pause.
  useEffect(() => {
    if (searchInput === search) return;
    const timer = setTimeout(() => update({ q: searchInput.trim(), page: '' }), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only typing restarts the pause, not the URL it writes
  }, [searchInput]);

  const query = useQuery({ ...jobListQueryOptions({ page, pageSize, state: state || undefined, search: search || undefined }), placeholderData: keepPreviousData });
  const items = filterBySource(query.data?.items ?? [], search);
  const total = query.data?.total ?? null;
  const pages = total !== null ? Math.max(1, Math.ceil(total / pageSize)) : null;
  const hasNext = pages !== null ? page < pages : (query.data?.items.length ?? 0) >= pageSize;

  return (
    <div data-testid="jobs-history">
      <div className={styles.filters} role="search">
        <TextField
          id="history-search"
          label="Search by source"
          type="search"
          placeholder="URL or text"
          value={searchInput}
          onChange={(e) => setSearchInput(e.target.value)}
        />
        <SelectField id="history-state" label="State" value={state} onChange={(e) => update({ state: e.target.value, page: '' })}>
          <option value="">All states</option>
          {jobStateValues.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </SelectField>
      </div>

      {query.isPending && <Loading label="Loading your jobs…" />}
      {query.isError && <Alert tone="error" title="Your jobs could not be loaded">{describeError(query.error)}</Alert>}
      {query.data && items.length === 0 && (
        <p className={styles.empty}>
          {search || state ? 'No jobs match these filters.' : 'No jobs yet.'} <Link to="/">Start a job</Link>
        </p>
      )}
      {items.length > 0 && (
        <div className={styles.tableWrap}>
          <Table className={styles.table} aria-busy={query.isFetching || undefined} data-testid="jobs-table">
            <caption className="visually-hidden">Your jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">State</th>
                <th scope="col" className={styles.hideSmall}>
                  Outputs
                </th>
                <th scope="col" className={styles.hideSmall}>
                  Created
                </th>
                <th scope="col" className={styles.hideSmall}>
                  Took
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </Table>
        </div>
      )}

      {(page > 1 || hasNext) && (
        <nav className={styles.pager} aria-label="Pages">
          <Button size="sm" disabled={page <= 1} onClick={() => update({ page: page > 2 ? String(page - 1) : '' })} data-testid="history-previous">
            Previous
          </Button>
          <span className={styles.nowrap} aria-live="polite">
            Page {page}
            {pages !== null ? ` of ${pages}` : ''}
          </span>
          <Button size="sm" disabled={!hasNext} onClick={() => update({ page: String(page + 1) })} data-testid="history-next">
            Next
          </Button>
        </nav>
      )}
    </div>
  );
}

function JobRow({ job }: { job: LiveJob }) {
  const took = job.startedAt && job.finishedAt ? formatDuration(Date.parse(job.finishedAt) - Date.parse(job.startedAt)) : '—';
  return (
    <tr data-testid="history-row" data-job-id={job.id} data-state={job.state}>
      <td className={styles.source}>
        <Link to={`/jobs/${job.id}`}>{sourceLabel(job.source, 70)}</Link>
      </td>
      <td>
        <StateBadge state={job.state} />
      </td>
      <td className={styles.hideSmall}>
        <div className={styles.chips}>
          {job.tasks.map((task) => (
            <TaskChip key={task.format} format={task.format} state={task.state} />
          ))}
        </div>
      </td>
      <td className={`${styles.nowrap} ${styles.hideSmall}`}>{formatDateTime(job.createdAt)}</td>
      <td className={`${styles.nowrap} ${styles.hideSmall}`}>{took}</td>
    </tr>
  );
}

/** The server filters by source; this keeps the page honest if it returns a broader list. */
function filterBySource(jobs: LiveJob[], search: string): LiveJob[] {
  const q = search.trim().toLowerCase();
  if (!q) return jobs;
  return jobs.filter((job) => (job.source.url ?? job.source.text ?? '').toLowerCase().includes(q));
}
