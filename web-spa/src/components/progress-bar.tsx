import styles from '@/components/progress-bar.module.css';

interface ProgressBarProps {
  /** 0..1 */
  value: number;
  label: string;
  tone?: 'primary' | 'success' | 'warning' | 'danger' | 'muted';
  className?: string;
}

export function ProgressBar({ value, label, tone = 'primary', className }: ProgressBarProps) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className={[styles.track, tone !== 'primary' ? styles[tone] : undefined, className].filter(Boolean).join(' ')}
    >
      <div className={styles.fill} style={{ width: `${percent}%` }} />
    </div>
  );
}
