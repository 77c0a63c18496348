import styles from '@/features/ops/components/ops-dashboard.module.css';

type Row = Record<string, unknown>;

const preferredColumns = ['service', 'name', 'instance', 'instanceId', 'url', 'status', 'health', 'healthy', 'state', 'lastSeen', 'lastHeartbeat', 'startedAt', 'uptime'];

export function toRows(value: unknown): Row[] {
  if (Array.isArray(value)) return value.filter((v) => v && typeof v === 'object') as Row[];
  const body = value as Record<string, unknown> | null;
  if (body && Array.isArray(body.instances)) return toRows(body.instances);
  if (body && Array.isArray(body.items)) return toRows(body.items);
  if (body && typeof body === 'object') {
    // { "api-0": {...}, "scraper-0": {...} }
    return Object.entries(body)
      .filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v))
      .map(([name, v]) => ({ name, ...(v as Row) }));
  }
  return [];
}

function columnsOf(rows: Row[]): string[] {
  const keys = new Set<string>();
  rows.forEach((row) => Object.entries(row).forEach(([k, v]) => (v === null || typeof v !== 'object') && keys.add(k)));
  const ordered = preferredColumns.filter((k) => keys.has(k));
  const rest = [...keys].filter((k) => !ordered.includes(k)).sort();
  return [...ordered, ...rest].slice(0, 9);
}

function cell(key: string, value: unknown) {
  if (value === null || value === undefined) return '—';
  const text = String(value);
  const lowered = text.toLowerCase();
  if (/health|status|state/i.test(key) || typeof value === 'boolean') {
    const good = value === true || ['healthy', 'ok', 'up', 'running', 'alive'].includes(lowered);
    const bad = value === false || ['unhealthy', 'down', 'dead', 'degraded', 'stopped', 'failed', 'expired'].includes(lowered);
    if (good || bad) return <span className={good ? styles.healthy : styles.unhealthy}>{typeof value === 'boolean' ? (value ? 'Yes' : 'No') : text}</span>;
  }
  if (typeof value === 'number') return value.toLocaleString();
  return text;
}

const humanKey = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function InstancesTable({ value, label }: { value: unknown; label: string }) {
  const rows = toRows(value);
  if (rows.length === 0) return <p className={styles.note}>Nothing reported.</p>;
  const columns = columnsOf(rows);
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table} data-testid="ops-instances">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {humanKey(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={String(row.instanceId ?? row.name ?? row.instance ?? i)}>
              {columns.map((c) => (
                <td key={c}>{cell(c, row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
