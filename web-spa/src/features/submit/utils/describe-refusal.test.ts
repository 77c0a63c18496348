import { ApiError } from '@/lib/api-client';
import { describeRefusal } from '@/features/submit/utils/describe-refusal';

test('a 429 says how many are running and queued and when to retry', () => {
  const error = new ApiError(429, { title: 'Too many jobs', running: 3, runningLimit: 3, queued: 5, queuedLimit: 5 }, 12);
  expect(describeRefusal(error)).toEqual({ title: 'Your queue is full', message: 'You have 3 of 3 running and 5 of 5 queued. Try again in about 12 s.' });
});

test('other refusals use the problem detail', () => {
  const error = new ApiError(400, { title: 'Bad', detail: 'Private addresses are not allowed.' });
  expect(describeRefusal(error).message).toBe('Private addresses are not allowed.');
});
