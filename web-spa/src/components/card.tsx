import type { ReactNode } from 'react';
import styles from '@/components/card.module.css';

interface CardProps {
  title?: ReactNode;
  titleId?: string;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}

/** A titled section of a page; the heading labels the region. */
export function Card({ title, titleId, actions, children, testId }: CardProps) {
  return (
    <section className={styles.card} aria-labelledby={title ? titleId : undefined} data-testid={testId}>
      {(title || actions) && (
        <div className={styles.header}>
          {title && <h2 id={titleId}>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}
