/** A quiet loading line; screen readers hear the label once. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" style={{ color: 'var(--color-text-muted)' }}>
      {label}
    </p>
  );
}
