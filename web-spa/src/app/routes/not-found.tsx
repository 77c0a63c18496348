import { Link } from 'react-router';
import { useDocumentTitle } from '@/hooks/use-document-title';

export function NotFoundRoute() {
  useDocumentTitle('Not found');
  return (
    <div style={{ padding: '48px 16px', textAlign: 'center' }}>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Start a new job</Link> or <Link to="/jobs">see your jobs</Link>.
      </p>
    </div>
  );
}
