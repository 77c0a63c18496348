import { lazy, Suspense } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { Loading } from '@/components/spinner';
import { AppLayout, PublicLayout } from '@/app/layouts/app-layout';
import { RegisterRoute, SignInRoute } from '@/app/routes/auth';
import { JobsRoute } from '@/app/routes/jobs';
import { NotFoundRoute } from '@/app/routes/not-found';
import { SubmitRoute } from '@/app/routes/submit';

const JobRoute = lazy(() => import('@/app/routes/job'));
const OpsRoute = lazy(() => import('@/app/routes/ops'));

export const routes: RouteObject[] = [
  {
    element: <PublicLayout />,
    children: [
      { path: '/sign-in', element: <SignInRoute /> },
      { path: '/register', element: <RegisterRoute /> },
    ],
  },
  {
    element: <AppLayout />,
    children: [
      { path: '/', element: <SubmitRoute /> },
      { path: '/jobs', element: <JobsRoute /> },
      {
        path: '/jobs/:jobId',
        element: (
          <Suspense fallback={<Loading label="Loading the job…" />}>
            <JobRoute />
          </Suspense>
        ),
      },
      {
        path: '/ops',
        element: (
          <Suspense fallback={<Loading />}>
            <OpsRoute />
          </Suspense>
        ),
      },
    ],
  },
  { path: '*', element: <NotFoundRoute /> },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
