// Answers of the Api for component tests, typed by the generated contract (types/api.ts): a fixture cannot drift from
// what the Api sends without failing `tsc`.
import { problem, reply, type MockHandler, type MockReply } from '@/testing/mock-api';
import type { AccountView, FormatView, JobEventsPage, JobEventView, JobPage, JobView, TaskState, TaskView, UsageView } from '@/types/api';

export const me = reply({ email: 'ada@example.com', roles: [] } satisfies AccountView);
/** The account routes of a cookie session: "me" is the user while signed in and a 401 otherwise; login and logout flip it. */
export function accountSession(signedIn: boolean): Record<string, MockHandler> {
  const signInAs = (value: boolean) => () => {
    signedIn = value;
    return reply(undefined, 204);
  };
  return {
    'GET /api/account/me': () => (signedIn ? me : problem(401, { title: 'Unauthorized' })),
    'POST /api/account/login': signInAs(true),
    'POST /api/account/logout': signInAs(false),
  };
}
export const usage = (running = 0, queued = 0) => reply({ running, runningLimit: 3, queued, queuedLimit: 5 } satisfies UsageView);
export const formatList: FormatView[] = [
  { name: 'markdown', description: 'Clean Markdown of the main content', needs: ['capture'], default: true, contentType: 'text/markdown', maxInputChars: null },
  { name: 'screenshot', description: 'Full-page PNG', needs: ['capture'], default: true, contentType: 'image/png', maxInputChars: null },
  { name: 'summary', description: 'Key sentences', needs: ['text'], default: false, contentType: 'text/plain', maxInputChars: null },
];
export const formats: MockReply = reply(formatList);
export const emptyList = reply({ items: [], total: 0, page: 1, pageSize: 30 } satisfies JobPage);

/** The reads the signed-in app makes on any page (job list, usage, formats), answered for a user with no jobs. */
export const quietAppRoutes = (usageReply: MockReply = usage()): Record<string, MockReply> => ({
  'GET /api/jobs': emptyList,
  'GET /api/me/usage': usageReply,
  'GET /api/formats': formats,
});

export function taskJson(format: string, state: TaskState = 'pending', progress = 0, overrides: Partial<TaskView> = {}): TaskView {
  return { format, state, progress, attempts: state === 'pending' ? 0 : 1, error: null, startedAt: null, finishedAt: null, result: null, ...overrides };
}

export function jobJson(id: string, overrides: Partial<JobView> = {}): JobView {
  return {
    id,
    state: 'running',
    source: { url: `https://example.com/${id}`, text: null, textLength: null },
    formats: ['markdown', 'screenshot'],
    tasks: [taskJson('markdown', 'running', 0.5), taskJson('screenshot')],
    queuePosition: null,
    seq: 2,
    attempt: 1,
    maxAttempts: 3,
    options: {},
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
    ...overrides,
  };
}

export const eventsPage = (events: JobEventView[]) => reply({ events, lastSeq: events.at(-1)?.seq ?? 0 } satisfies JobEventsPage);
export const jobPage = (items: JobView[]) => reply({ items, total: items.length, page: 1, pageSize: 30 } satisfies JobPage);
