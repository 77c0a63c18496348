import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Button } from '@/components/button';
import { useMediaQuery, wideLayoutQuery } from '@/hooks/use-media-query';
import { isTerminal } from '@/lib/job-state';
import { useAnnouncement } from '@/features/notifications/hooks/use-announcer';
import { maxVisibleCards, useStackJobs } from '@/features/notifications/hooks/use-stack-jobs';
import { JobCard } from '@/features/notifications/components/job-card';
import styles from '@/features/notifications/components/notification-stack.module.css';

/** Bottom-right: one card per active job, newest on top, at most five; finished cards stay until dismissed. */
interface NotificationStackProps {
  /** Tells the layout whether the stack takes room, so content can make space beside it. */
  onOccupiedChange?: (occupied: boolean) => void;
}

export function NotificationStack({ onOccupiedChange }: NotificationStackProps) {
  const { jobs, dismiss } = useStackJobs();
  const wide = useMediaQuery(wideLayoutQuery);
  const announcement = useAnnouncement();
  // Narrow screens start with the stack folded into its summary bar so it does not cover the page.
  const [collapsed, setCollapsed] = useState(() => !wide);
  const visible = jobs.slice(0, maxVisibleCards);
  const hidden = jobs.length - visible.length;
  const finished = jobs.filter((job) => isTerminal(job.state)).map((job) => job.id);
  const active = jobs.length - finished.length;
  const occupied = jobs.length > 0 && !collapsed;
  useEffect(() => onOccupiedChange?.(occupied), [occupied, onOccupiedChange]);

  return (
    <section className={styles.stack} aria-label="Job notifications" data-testid="notification-stack">
      <div className="visually-hidden" aria-live="polite" role="status" data-testid="stack-announcer">
        {announcement}
      </div>
      {jobs.length > 0 && (
        <div className={styles.bar}>
          <span data-testid="stack-summary">
            {active} active{finished.length ? ` · ${finished.length} finished` : ''}
          </span>
          <span className={styles.barActions}>
            {finished.length > 0 && (
              <Button size="sm" variant="ghost" onClick={() => dismiss(...finished)} data-testid="stack-clear-finished">
                Clear finished
              </Button>
            )}
            <Button size="sm" variant="ghost" onClick={() => setCollapsed((c) => !c)} aria-expanded={!collapsed} data-testid="stack-toggle">
              {collapsed ? 'Show' : 'Hide'}
            </Button>
          </span>
        </div>
      )}
      {!collapsed && (
        <>
          <ul className={styles.cards} aria-label="Jobs">
            {visible.map((job) => (
              <JobCard key={job.id} listed={job} onDismiss={dismiss} startMinimized={!wide} />
            ))}
          </ul>
          {hidden > 0 && (
            <Link to="/jobs" className={styles.more} data-testid="stack-more">
              +{hidden} more
            </Link>
          )}
        </>
      )}
    </section>
  );
}
