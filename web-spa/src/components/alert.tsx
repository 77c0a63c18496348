import type { ReactNode } from 'react';
import styles from '@/components/alert.module.css';

interface AlertProps {
  tone?: 'error' | 'info' | 'warning';
  title?: string;
  children?: ReactNode;
  testId?: string;
}

export function Alert({ tone = 'info', title, children, testId }: AlertProps) {
  return (
    <div className={`${styles.alert} ${styles[tone]}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {title && <div className={styles.title}>{title}</div>}
      {children}
    </div>
  );
}
