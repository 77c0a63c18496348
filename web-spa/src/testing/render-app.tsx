import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { AppProvider } from '@/app/provider';
import { routes } from '@/app/router';
import { liveConnectionOnFakeHub } from '@/testing/fake-hub';
// Loaded up front so lazy-route timing never decides a test.
import '@/app/routes/job';

/** The whole app at a URL, with fetch mocked by the caller and a fake hub for the live connection. */
export function renderApp(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false }, mutations: { retry: false } } });
  const { hub, live } = liveConnectionOnFakeHub(queryClient);
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <AppProvider queryClient={queryClient} liveConnection={live}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...view, queryClient, hub, live, router };
}
