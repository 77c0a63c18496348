import { ApiError } from '@/lib/api-client';
import { mapServerErrors } from '@/features/submit/utils/field-errors';

test('server field errors land next to the inputs that caused them', () => {
  const error = new ApiError(400, {
    title: 'Validation failed',
    errors: {
      'Source.Url': ['Private addresses are not allowed.'],
      'urls[1]': ['Only http and https.'],
      formats: ['Unknown format "gif".'],
      'options.capture.timeoutMs': ['Must be at most 300000.'],
      body: ['Too large.'],
    },
  });
  expect(mapServerErrors(error)).toEqual({
    source: ['Private addresses are not allowed.', 'Only http and https.'],
    formats: ['Unknown format "gif".'],
    timeout: ['Must be at most 300000.'],
    general: ['Too large.'],
  });
});
