import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import styles from '@/components/field.module.css';

interface CommonProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | string[];
  fieldClassName?: string;
}

/** What the control inside a field needs: its id, its style and the aria wiring to the field's hint and error. */
interface ControlProps {
  id: string;
  className: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

function errorText(error: CommonProps['error']): string | undefined {
  if (!error) return undefined;
  const text = Array.isArray(error) ? error.join(' ') : error;
  return text || undefined;
}

/** Label, control, hint and error wired together (aria-describedby, aria-invalid) so screen readers hear all of it. */
function Field({ id, label, hint, error, fieldClassName, control }: CommonProps & { id?: string; control: (props: ControlProps) => ReactNode }) {
  const generated = useId();
  const fieldId = id ?? generated;
  const message = errorText(error);
  const described = [hint ? `${fieldId}-hint` : null, message ? `${fieldId}-error` : null].filter(Boolean);
  return (
    <div className={[styles.field, fieldClassName].filter(Boolean).join(' ')}>
      <label className={styles.label} htmlFor={fieldId}>
        {label}
      </label>
      {control({
        id: fieldId,
        className: styles.control,
        'aria-invalid': message ? true : undefined,
        'aria-describedby': described.length ? described.join(' ') : undefined,
      })}
      {hint && (
        <span id={`${fieldId}-hint`} className={styles.hint}>
          {hint}
        </span>
      )}
      {message && (
        <span id={`${fieldId}-error`} className={styles.error} data-testid={`${fieldId}-error`}>
          {message}
        </span>
      )}
    </div>
  );
}

export function TextField({ label, hint, error, id, fieldClassName, ...rest }: CommonProps & InputHTMLAttributes<HTMLInputElement>) {
  return <Field {...{ label, hint, error, id, fieldClassName }} control={(control) => <input {...control} {...rest} />} />;
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
  return <Field {...{ label, hint, error, id, fieldClassName }} control={(control) => <textarea ref={ref} {...control} {...rest} />} />;
}

export function SelectField({ label, hint, error, id, fieldClassName, children, ...rest }: CommonProps & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field
      {...{ label, hint, error, id, fieldClassName }}
      control={(control) => (
        <select {...control} {...rest}>
          {children}
        </select>
      )}
    />
  );
}

export { styles as fieldStyles };
