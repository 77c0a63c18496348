import { safeNextPath } from '@/lib/auth';

describe('safeNextPath', () => {
  test.each([
    ['/jobs/j1', '/jobs/j1'],
    ['/jobs?state=running#top', '/jobs?state=running#top'],
    ['/ops', '/ops'],
  ])('keeps the same-origin path %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  test.each([
    null,
    '',
    'jobs',
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example', // browsers read a backslash as a slash: //evil.example
    '/\t/evil.example', // tabs and newlines are dropped from URLs: //evil.example
    '/\n/evil.example',
    '\t//evil.example',
    '/.//evil.example', // dot segment removed: //evil.example
    'javascript:alert(1)',
    '/sign-in',
    '/register?next=/jobs',
  ])('sends %j home', (next) => {
    expect(safeNextPath(next)).toBe('/');
  });
});
