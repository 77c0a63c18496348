import { selectStackJobs } from '@/features/notifications/hooks/use-stack-jobs';
import { makeSnapshot } from '@/testing/job-fixtures';

const now = Date.parse('2026-01-01T12:00:00Z');

test('active jobs newest first, recent finished ones until dismissed, old finished ones left to history', () => {
  const jobs = [
    makeSnapshot({ id: 'old-running', state: 'running', createdAt: '2026-01-01T09:00:00Z' }),
    makeSnapshot({ id: 'new-queued', state: 'queued', createdAt: '2026-01-01T11:59:00Z' }),
    makeSnapshot({ id: 'recent-done', state: 'completed', createdAt: '2026-01-01T11:30:00Z', finishedAt: '2026-01-01T11:50:00Z' }),
    makeSnapshot({ id: 'long-done', state: 'completed', createdAt: '2026-01-01T08:00:00Z', finishedAt: '2026-01-01T08:10:00Z' }),
    makeSnapshot({ id: 'dismissed', state: 'failed', createdAt: '2026-01-01T11:40:00Z', finishedAt: '2026-01-01T11:41:00Z' }),
  ];
  const stack = selectStackJobs(jobs, new Set(['dismissed']), now);
  expect(stack.map((j) => j.id)).toEqual(['new-queued', 'recent-done', 'old-running']);
});
