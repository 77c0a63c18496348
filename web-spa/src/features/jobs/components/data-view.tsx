import type { ReactNode } from 'react';
import styles from '@/features/jobs/components/result-views.module.css';

const humanKey = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** Metadata, text stats, keywords, outlines…: structured JSON shown as readable definitions, lists and nested blocks. */
export function DataView({ value, testId = 'data-result' }: { value: unknown; testId?: string }) {
  return <div data-testid={testId}>{renderValue(value, 0)}</div>;
}

function renderValue(value: unknown, depth: number): ReactNode {
  if (value === null || value === undefined || value === '') return <span>—</span>;
  if (typeof value !== 'object') return <span>{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span>—</span>;
    if (value.every((item) => typeof item !== 'object' || item === null)) {
      return (
        <ul className={styles.tags}>
          {value.map((item, i) => (
            <li key={i}>{String(item)}</li>
          ))}
        </ul>
      );
    }
    if (isHeadingList(value)) {
      return (
        <ul>
          {value.map((h, i) => (
            <li key={i} style={{ marginLeft: `${(h.level - 1) * 16}px` }}>
              {h.text}
            </li>
          ))}
        </ul>
      );
    }
    return (
      <ol>
        {value.map((item, i) => (
          <li key={i}>{renderValue(item, depth + 1)}</li>
        ))}
      </ol>
    );
  }
  // "$id"/"$ref" are serializer bookkeeping, not data.
  const entries = Object.entries(value as Record<string, unknown>).filter(([key]) => !key.startsWith('$'));
  if (entries.length === 0) return <span>—</span>;
  return (
    <dl className={styles.definitions}>
      {entries.map(([key, item]) => (
        <div key={key} style={{ display: 'contents' }}>
          <dt>{humanKey(key)}</dt>
          <dd>{depth > 4 ? JSON.stringify(item) : renderValue(item, depth + 1)}</dd>
        </div>
      ))}
    </dl>
  );
}

function isHeadingList(value: unknown[]): value is { level: number; text: string }[] {
  return value.every((item) => item && typeof item === 'object' && typeof (item as { level?: unknown }).level === 'number' && typeof (item as { text?: unknown }).text === 'string');
}
