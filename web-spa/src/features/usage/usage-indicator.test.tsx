import { screen, waitFor } from '@testing-library/react';
import { me, quietAppRoutes, usage } from '@/testing/api-fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

test('the usage indicator is always visible and follows user events; the banner shows while reconnecting', async () => {
  mockApi({ 'GET /api/account/me': me, ...quietAppRoutes(usage(2, 0)) });
  const { hub } = renderApp('/');
  const indicator = await screen.findByTestId('usage-indicator');
  await waitFor(() => expect(indicator).toHaveTextContent('Processing 2/3 · queued 0/5'));
  await waitFor(() => expect(hub.calls('SubscribeUser')).toHaveLength(1));

  hub.push('userEvent', { type: 'usage', data: { running: 3, runningLimit: 3, queued: 1, queuedLimit: 5 } });
  await waitFor(() => expect(screen.getByTestId('usage-indicator')).toHaveTextContent('Processing 3/3 · queued 1/5'));

  hub.drop();
  expect(await screen.findByTestId('reconnecting-banner')).toHaveTextContent('Reconnecting…');
  hub.reconnect();
  await waitFor(() => expect(screen.queryByTestId('reconnecting-banner')).not.toBeInTheDocument());
  expect(hub.calls('SubscribeUser')).toHaveLength(2);
});
