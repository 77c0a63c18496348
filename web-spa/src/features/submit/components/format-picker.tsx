import { Button } from '@/components/button';
import styles from '@/features/submit/components/submit-form.module.css';
import type { FormatView } from '@/types/api';
import { formatName } from '@/utils/format';

interface FormatPickerProps {
  formats: FormatView[];
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
  error?: string[];
}

export function FormatPicker({ formats, selected, onChange, error }: FormatPickerProps) {
  const toggle = (name: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(name);
    else next.delete(name);
    onChange(next);
  };
  const hasError = !!error?.length;
  return (
    <fieldset className={styles.fieldset} aria-describedby={hasError ? 'formats-error' : undefined} data-testid="format-picker">
      <legend className={styles.legend}>
        Outputs
        <span className={styles.legendActions}>
          <Button size="sm" variant="ghost" onClick={() => onChange(new Set(formats.filter((f) => f.default).map((f) => f.name)))}>
            Defaults
          </Button>
          <Button size="sm" variant="ghost" onClick={() => onChange(new Set(formats.map((f) => f.name)))}>
            All
          </Button>
          <Button size="sm" variant="ghost" onClick={() => onChange(new Set())}>
            None
          </Button>
        </span>
      </legend>
      <div className={styles.formats}>
        {formats.map((format) => (
          <label key={format.name} className={styles.format} data-testid={`format-option-${format.name}`}>
            <input
              type="checkbox"
              name="formats"
              value={format.name}
              checked={selected.has(format.name)}
              onChange={(e) => toggle(format.name, e.target.checked)}
              aria-describedby={`format-${format.name}-description`}
            />
            <span>
              <span className={styles.formatName}>{formatName(format.name)}</span>
              <span id={`format-${format.name}-description`} className={styles.formatDescription}>
                {format.description}
              </span>
            </span>
          </label>
        ))}
      </div>
      {hasError && (
        <p id="formats-error" className={styles.error} data-testid="formats-error">
          {error!.join(' ')}
        </p>
      )}
    </fieldset>
  );
}
