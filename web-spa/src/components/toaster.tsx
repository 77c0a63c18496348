import { useSyncExternalStore } from 'react';
import styles from '@/components/toaster.module.css';
import { dismissToast, toastStore } from '@/lib/toast';

export function Toaster() {
  const toasts = useSyncExternalStore(toastStore.subscribe, toastStore.getSnapshot);
  return (
    <div className={styles.region} aria-live="polite" aria-relevant="additions" data-testid="toasts">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`${styles.toast} ${styles[toast.tone] ?? ''}`}
          role={toast.tone === 'error' ? 'alert' : 'status'}
          data-testid="toast"
          data-tone={toast.tone}
        >
          <div className={styles.body}>
            <p className={styles.title}>{toast.title}</p>
            {toast.message && <p className={styles.message}>{toast.message}</p>}
          </div>
          <button type="button" className={styles.close} onClick={() => dismissToast(toast.id)} aria-label="Dismiss message">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
