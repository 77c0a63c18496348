import { useMemo, useState } from 'react';
import { TextField } from '@/components/field';
import { Table } from '@/components/table';
import styles from '@/features/jobs/components/result-views.module.css';

interface CapturedLink {
  url: string;
  text: string;
  internal?: boolean;
}

export function parseLinks(value: unknown): CapturedLink[] | null {
  const list = Array.isArray(value) ? value : (value as { links?: unknown })?.links;
  if (!Array.isArray(list)) return null;
  return list
    .map((item) => item as Record<string, unknown>)
    .filter((item) => typeof (item.url ?? item.href) === 'string')
    .map((item) => ({
      url: String(item.url ?? item.href),
      text: typeof item.text === 'string' ? item.text : '',
      internal: typeof item.internal === 'boolean' ? item.internal : undefined,
    }));
}

export function LinksTable({ links }: { links: CapturedLink[] }) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return q ? links.filter((l) => l.url.toLowerCase().includes(q) || l.text.toLowerCase().includes(q)) : links;
  }, [links, filter]);
  const internal = links.filter((l) => l.internal).length;
  return (
    <div data-testid="links-result">
      <div className={styles.toolbar}>
        <span>
          {links.length} links{links.some((l) => l.internal !== undefined) ? ` · ${internal} internal · ${links.length - internal} external` : ''}
        </span>
        <TextField label="Filter links" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} fieldClassName="" />
      </div>
      <Table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">Text</th>
            <th scope="col">URL</th>
            <th scope="col">Kind</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((link, i) => (
            <tr key={`${link.url}-${i}`}>
              <td>{link.text || <span aria-label="no text">—</span>}</td>
              <td>
                <a href={link.url} target="_blank" rel="noopener noreferrer nofollow">
                  {link.url}
                </a>
              </td>
              <td>{link.internal === undefined ? '' : link.internal ? 'Internal' : 'External'}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
