import { Table } from '@/components/table';
import styles from '@/features/ops/components/ops-dashboard.module.css';

type Row = Record<string, unknown>;

const preferredColumns = ['service', 'instance', 'name', 'email', 'userId', 'instanceId', 'url', 'status', 'health', 'healthy', 'state', 'heartbeat', 'executorSlots', 'slotsInUse', 'executing', 'running', 'queued', 'lastSeen', 'startedAt', 'lastDispatchedAt'];

/** Heartbeats older than this mean the instance is gone (the Api drops them after 15 s). */
const staleHeartbeatMs = 12_000;

/** Lists become counts and a heartbeat age is added, so every column is one readable value. */
function flattenRow(row: Row, now: number): Row {
  const result: Row = {};
  for (const [key, value] of Object.entries(row)) result[key] = Array.isArray(value) ? value.length : value;
  const lastSeen = typeof row.lastSeen === 'string' ? Date.parse(row.lastSeen) : Number.NaN;
  if (Number.isFinite(lastSeen)) result.heartbeat = now - lastSeen < staleHeartbeatMs ? 'alive' : 'stale';
  return result;
}

/** Rows of a typed list (instances, users): the table shows each object's plain values. */
export function toRows(value: readonly object[], now = Date.now()): Row[] {
  return value.map((row) => flattenRow(row as Row, now));
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
  if (/health|status|state|heartbeat/i.test(key) || typeof value === 'boolean') {
    const good = value === true || ['healthy', 'ok', 'up', 'running', 'alive'].includes(lowered);
    const bad = value === false || ['unhealthy', 'down', 'dead', 'degraded', 'stopped', 'failed', 'expired', 'stale'].includes(lowered);
    if (good || bad) return <span className={good ? styles.healthy : styles.unhealthy}>{typeof value === 'boolean' ? (value ? 'Yes' : 'No') : text}</span>;
  }
  if (typeof value === 'number') return value.toLocaleString();
  if (/At$|^lastSeen$/.test(key) && !Number.isNaN(Date.parse(text))) return new Date(text).toLocaleTimeString();
  return text;
}

const humanKey = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function InstancesTable({ value, label, testId = 'ops-instances' }: { value: readonly object[]; label: string; testId?: string }) {
  const rows = toRows(value);
  if (rows.length === 0) return <p className={styles.note}>Nothing reported.</p>;
  const columns = columnsOf(rows);
  return (
    <div className={styles.tableWrap}>
      <Table className={styles.table} data-testid={testId}>
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
            <tr key={String(row.instanceId ?? row.instance ?? row.name ?? row.userId ?? i)}>
              {columns.map((c) => (
                <td key={c}>{cell(c, row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
