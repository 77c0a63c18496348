import { Card } from '@/components/card';
import { useDocumentTitle } from '@/hooks/use-document-title';
import { SubmitForm } from '@/features/submit/components/submit-form';

export function SubmitRoute() {
  useDocumentTitle('New job');
  return (
    <>
      <h1>New job</h1>
      <p style={{ color: 'var(--color-text-muted)', marginTop: -8 }}>
        Capture web pages or process text. Every job runs on its own and shows up bottom-right as it progresses.
      </p>
      <Card>
        <SubmitForm />
      </Card>
    </>
  );
}
