import { useDocumentTitle } from '@/hooks/use-document-title';
import { RequireAdmin } from '@/lib/auth';
import { OpsDashboard } from '@/features/ops/components/ops-dashboard';

// Loaded on demand: only operators pay for the charting library.
export default function OpsRoute() {
  useDocumentTitle('Operations');
  return (
    <RequireAdmin>
      <h1>Operations</h1>
      <OpsDashboard />
    </RequireAdmin>
  );
}
