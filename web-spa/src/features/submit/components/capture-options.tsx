import { TextField } from '@/components/field';
import styles from '@/features/submit/components/submit-form.module.css';

export interface CaptureOptionValues {
  fullPage: boolean;
  waitSelector: string;
  timeoutSeconds: string;
}

interface CaptureOptionsProps {
  values: CaptureOptionValues;
  onChange: (values: CaptureOptionValues) => void;
  errors: { selector?: string[]; timeout?: string[] };
}

export function CaptureOptions({ values, onChange, errors }: CaptureOptionsProps) {
  return (
    <fieldset className={styles.fieldset}>
      <legend className={styles.legend}>Capture options</legend>
      <div className={styles.options}>
        <label className={styles.checkbox}>
          <input
            type="checkbox"
            checked={values.fullPage}
            onChange={(e) => onChange({ ...values, fullPage: e.target.checked })}
            data-testid="option-full-page"
          />
          Full-page screenshot
        </label>
        <TextField
          id="wait-selector"
          label="Wait for selector"
          placeholder="e.g. main article"
          hint="Optional CSS selector to wait for before capturing."
          value={values.waitSelector}
          onChange={(e) => onChange({ ...values, waitSelector: e.target.value })}
          error={errors.selector}
        />
        <TextField
          id="timeout-seconds"
          label="Timeout (seconds)"
          type="number"
          inputMode="numeric"
          min={1}
          max={300}
          value={values.timeoutSeconds}
          onChange={(e) => onChange({ ...values, timeoutSeconds: e.target.value })}
          error={errors.timeout}
        />
      </div>
    </fieldset>
  );
}
