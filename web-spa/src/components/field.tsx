import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import styles from '@/components/field.module.css';

interface FieldFrameProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | string[];
  children: ReactNode;
  className?: string;
}

function errorText(error: FieldFrameProps['error']): string | undefined {
  if (!error) return undefined;
  const text = Array.isArray(error) ? error.join(' ') : error;
  return text || undefined;
}

/** Label, control, hint and error wired together (aria-describedby, aria-invalid) so screen readers hear all of it. */
function FieldFrame({ id, label, hint, error, children, className }: FieldFrameProps) {
  const message = errorText(error);
  return (
    <div className={[styles.field, className].filter(Boolean).join(' ')}>
      <label className={styles.label} htmlFor={id}>
        {label}
      </label>
      {children}
      {hint && (
        <span id={`${id}-hint`} className={styles.hint}>
          {hint}
        </span>
      )}
      {message && (
        <span id={`${id}-error`} className={styles.error} data-testid={`${id}-error`}>
          {message}
        </span>
      )}
    </div>
  );
}

function describedBy(id: string, hint: unknown, error: FieldFrameProps['error']): string | undefined {
  const ids = [hint ? `${id}-hint` : null, errorText(error) ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

interface CommonProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | string[];
  fieldClassName?: string;
}

export function TextField({ label, hint, error, id, fieldClassName, ...rest }: CommonProps & InputHTMLAttributes<HTMLInputElement>) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error} className={fieldClassName}>
      <input
        id={fieldId}
        className={styles.control}
        aria-invalid={errorText(error) ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  id,
  fieldClassName,
  ref,
  ...rest
}: CommonProps & TextareaHTMLAttributes<HTMLTextAreaElement> & { ref?: Ref<HTMLTextAreaElement> }) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error} className={fieldClassName}>
      <textarea
        ref={ref}
        id={fieldId}
        className={styles.control}
        aria-invalid={errorText(error) ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

export function SelectField({ label, hint, error, id, fieldClassName, children, ...rest }: CommonProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const generated = useId();
  const fieldId = id ?? generated;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error} className={fieldClassName}>
      <select
        id={fieldId}
        className={styles.control}
        aria-invalid={errorText(error) ? true : undefined}
        aria-describedby={describedBy(fieldId, hint, error)}
        {...rest}
      >
        {children}
      </select>
    </FieldFrame>
  );
}

export { styles as fieldStyles };
