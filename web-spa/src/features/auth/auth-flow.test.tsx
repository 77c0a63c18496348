import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { accountSession, eventsPage, jobJson, quietAppRoutes } from '@/testing/api-fixtures';
import { mockApi, problem, reply } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

test('an unauthenticated visit goes to sign-in and comes back after signing in', async () => {
  const api = mockApi({
    ...accountSession(false),
    'GET /api/jobs/j1': reply(jobJson('j1')),
    'GET /api/jobs/j1/events': eventsPage([]),
    ...quietAppRoutes(),
  });
  const { router } = renderApp('/jobs/j1');
  expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/jobs/j1')}`);

  await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

  expect(await screen.findByTestId('job-page')).toBeInTheDocument();
  expect(router.state.location.pathname).toBe('/jobs/j1');
  expect(api.find('POST', '/api/account/login')[0].body).toEqual({ email: 'ada@example.com', password: 'correct horse' });
});

test('registration errors are shown next to their fields', async () => {
  mockApi({
    'GET /api/account/me': problem(401, { title: 'Unauthorized' }),
    'POST /api/account/register': problem(400, {
      title: 'Validation failed',
      errors: { PasswordTooShort: ['Passwords must be at least 8 characters.'], DuplicateUserName: ['Email is already taken.'] },
    }),
  });
  renderApp('/register');
  await userEvent.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'short');
  await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
  expect(await screen.findByText('Passwords must be at least 8 characters.')).toBeInTheDocument();
  expect(screen.getByText('Email is already taken.')).toBeInTheDocument();
  expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
});

test('signing out forgets the user and returns to sign-in', async () => {
  mockApi({
    ...accountSession(true),
    ...quietAppRoutes(),
  });
  const { router, hub } = renderApp('/');
  await userEvent.click(await screen.findByTestId('sign-out'));
  await waitFor(() => expect(router.state.location.pathname).toBe('/sign-in'));
  await waitFor(() => expect(hub.stopped).toBe(true));
});

test('signing out from a deep page and back in lands on the start page, not the old one', async () => {
  mockApi({
    ...accountSession(true),
    ...quietAppRoutes(),
  });
  const { router } = renderApp('/jobs');
  await userEvent.click(await screen.findByTestId('sign-out'));
  await waitFor(() => expect(router.state.location.pathname).toBe('/sign-in'));
  expect(router.state.location.search).toBe('');
  await userEvent.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await waitFor(() => expect(router.state.location.pathname).toBe('/'));
});
