import { reply, type MockReply } from '@/testing/mock-api';

export const me = reply({ email: 'ada@example.com', roles: [] });
export const usage = (running = 0, queued = 0) => reply({ running, runningLimit: 3, queued, queuedLimit: 5 });
export const formats: MockReply = reply([
  { name: 'markdown', description: 'Clean Markdown of the main content', needs: 'Capture', isDefault: true, contentType: 'text/markdown' },
  { name: 'screenshot', description: 'Full-page PNG', needs: 'Capture', isDefault: true, contentType: 'image/png' },
  { name: 'summary', description: 'Key sentences', needs: 'Text', isDefault: false, contentType: 'text/plain' },
]);
export const emptyList = reply({ items: [], total: 0, page: 1, pageSize: 30 });

export function jobJson(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    state: 'running',
    source: { url: `https://example.com/${id}` },
    formats: ['markdown', 'screenshot'],
    tasks: [
      { format: 'markdown', state: 'running', progress: 0.5 },
      { format: 'screenshot', state: 'pending', progress: 0 },
    ],
    queuePosition: null,
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: null,
    seq: 2,
    ...overrides,
  };
}
