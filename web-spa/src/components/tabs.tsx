import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import styles from '@/components/tabs.module.css';

export interface TabItem {
  id: string;
  label: ReactNode;
}

interface TabsProps {
  label: string;
  items: TabItem[];
  selected: string;
  onSelect: (id: string) => void;
  /** Renders the selected tab's panel. */
  children: ReactNode;
  idPrefix: string;
}

/** WAI-ARIA tabs: arrow keys move between tabs, Home/End jump, only the selected tab is in the tab order. */
export function Tabs({ label, items, selected, onSelect, children, idPrefix }: TabsProps) {
  const refs = useRef(new Map<string, HTMLButtonElement>());

  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    const index = items.findIndex((item) => item.id === selected);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: items.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = items[(moves[event.key] + items.length) % items.length];
    onSelect(next.id);
    refs.current.get(next.id)?.focus();
  }

  return (
    <div>
      <div role="tablist" aria-label={label} className={styles.list}>
        {items.map((item) => (
          <button
            key={item.id}
            ref={(el) => {
              if (el) refs.current.set(item.id, el);
              else refs.current.delete(item.id);
            }}
            role="tab"
            type="button"
            id={`${idPrefix}-tab-${item.id}`}
            aria-selected={item.id === selected}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={item.id === selected ? 0 : -1}
            className={styles.tab}
            onClick={() => onSelect(item.id)}
            onKeyDown={onKeyDown}
            data-testid={`tab-${item.id}`}
          >
            {item.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${selected}`} tabIndex={0} className={styles.panel}>
        {children}
      </div>
    </div>
  );
}
