import type { TableHTMLAttributes } from 'react';
import styles from '@/components/table.module.css';

/** A data table: full width, muted left-aligned headings, a rule under each row; `className` adds what one table needs. */
export function Table({ className, ...rest }: TableHTMLAttributes<HTMLTableElement>) {
  return <table className={[styles.table, className].filter(Boolean).join(' ')} {...rest} />;
}
