import { Card } from '@/components/card';
import { useDocumentTitle } from '@/hooks/use-document-title';
import { JobsHistory } from '@/features/jobs/components/jobs-history';

export function JobsRoute() {
  useDocumentTitle('History');
  return (
    <>
      <h1>History</h1>
      <Card>
        <JobsHistory />
      </Card>
    </>
  );
}
