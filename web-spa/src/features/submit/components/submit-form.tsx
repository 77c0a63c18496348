import { useEffect, useMemo, useRef, useState, type ComponentProps, type FormEvent } from 'react';
import { Alert } from '@/components/alert';
import { Button } from '@/components/button';
import { TextAreaField } from '@/components/field';
import { Loading } from '@/components/spinner';
import { describeError, isApiError } from '@/lib/api-client';
import { showToast } from '@/lib/toast';
import { useCreateJob } from '@/features/submit/api/create-job';
import { useCreateJobBatch, type BatchItemResult } from '@/features/submit/api/create-job-batch';
import { formatsFor, useFormats } from '@/features/submit/api/get-formats';
import { CaptureOptions, type CaptureOptionValues } from '@/features/submit/components/capture-options';
import { FormatPicker } from '@/features/submit/components/format-picker';
import styles from '@/features/submit/components/submit-form.module.css';
import { describeRefusal } from '@/features/submit/utils/describe-refusal';
import { mapServerErrors, type SubmitErrors } from '@/features/submit/utils/field-errors';
import { maxUrlsPerSubmit, parseUrls } from '@/features/submit/utils/parse-urls';
import type { JobOptions } from '@/features/submit/types/job-options';
import type { FormatView } from '@/types/api';

type SourceKind = 'url' | 'text';
const customInstructionFormat = 'llm-custom';
const defaultCapture: CaptureOptionValues = { fullPage: true, waitSelector: '', timeoutSeconds: '30' };
/** The one source field, as each kind of source asks for it. */
const sourceFields = {
  url: { id: 'source-urls', label: 'URLs', hint: 'One per line — each URL becomes its own job.', placeholder: 'https://example.com/article', rows: 4, spellCheck: false },
  text: { id: 'source-text', label: 'Text', hint: 'Notes, an article, a brain dump — processed as one job.', rows: 8 },
} satisfies Record<SourceKind, ComponentProps<typeof TextAreaField>>;

export function SubmitForm() {
  const formatsQuery = useFormats();
  const createJob = useCreateJob();
  const createBatch = useCreateJobBatch();
  const [kind, setKind] = useState<SourceKind>('url');
  const [urls, setUrls] = useState('');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [capture, setCapture] = useState(defaultCapture);
  const [instruction, setInstruction] = useState('');
  const [errors, setErrors] = useState<SubmitErrors>({});
  const sourceRef = useRef<HTMLTextAreaElement>(null);

  const allFormats = useMemo(() => formatsQuery.data ?? [], [formatsQuery.data]);
  const available = useMemo(() => formatsFor(allFormats, kind), [allFormats, kind]);
  useEffect(() => {
    // The defaults are chosen once, when the registry first arrives.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (selected === null && allFormats.length) setSelected(new Set(allFormats.filter((f) => f.default).map((f) => f.name)));
  }, [allFormats, selected]);
  const chosen = available.filter((format) => selected?.has(format.name)).map((format) => format.name);
  const parsedUrls = useMemo(() => parseUrls(urls), [urls]);
  const jobCount = kind === 'url' ? parsedUrls.urls.length : text.trim() ? 1 : 0;

  function validate(): SubmitErrors {
    const found: SubmitErrors = {};
    if (kind === 'url') {
      if (parsedUrls.invalid.length) found.source = parsedUrls.invalid.map((i) => `Line ${i.line}: “${i.value}” ${i.reason}.`);
      else if (parsedUrls.urls.length === 0) found.source = ['Enter at least one URL.'];
      else if (parsedUrls.urls.length > maxUrlsPerSubmit) found.source = [`At most ${maxUrlsPerSubmit} URLs at a time.`];
      const timeout = Number(capture.timeoutSeconds);
      if (capture.timeoutSeconds && (!Number.isFinite(timeout) || timeout < 1 || timeout > 300)) found.timeout = ['Between 1 and 300 seconds.'];
    } else if (!text.trim()) {
      found.source = ['Paste some text to process.'];
    }
    if (chosen.length === 0) found.formats = ['Choose at least one output.'];
    if (chosen.includes(customInstructionFormat) && !instruction.trim()) found.instruction = ['Say what the model should do.'];
    return found;
  }

  function buildOptions(): JobOptions {
    const options: JobOptions = {};
    if (kind === 'url') {
      const selector = capture.waitSelector.trim();
      options.capture = {
        fullPage: capture.fullPage,
        wait: selector ? 'selector' : 'load',
        ...(selector ? { selector } : {}),
        ...(capture.timeoutSeconds ? { timeoutMs: Math.round(Number(capture.timeoutSeconds) * 1000) } : {}),
      };
    }
    if (chosen.includes(customInstructionFormat)) options[customInstructionFormat] = { instruction: instruction.trim() };
    return options;
  }

  /** Puts refused input back so nothing the user typed is lost (unless they already typed something new). */
  function restoreSource(value: string) {
    if (kind === 'url') setUrls((current) => (current.trim() ? `${current.trimEnd()}\n${value}` : value));
    else setText((current) => (current.trim() ? current : value));
  }

  function onRefused(error: unknown, submitted: string) {
    restoreSource(submitted);
    const fieldErrors = mapServerErrors(error);
    const hasFieldErrors = Object.keys(fieldErrors).some((key) => key !== 'general');
    if (isApiError(error) && error.status === 400 && hasFieldErrors) {
      setErrors(fieldErrors);
      if (fieldErrors.general) showToast({ tone: 'error', title: 'The job was refused', message: fieldErrors.general.join(' ') });
      if (fieldErrors.source) sourceRef.current?.focus();
      return;
    }
    const refusal = describeRefusal(error);
    showToast({ tone: isApiError(error) && error.status === 429 ? 'warning' : 'error', title: refusal.title, message: refusal.message, durationMs: 0 });
  }

  function onBatchDone(results: BatchItemResult[]) {
    const refused = results.filter((result) => result.error);
    if (refused.length === 0) return;
    restoreSource(refused.map((result) => result.url).join('\n'));
    const started = results.length - refused.length;
    const reasons = refused.map((result) => `${result.url}: ${describeRefusal(result.error).message}`);
    setErrors({ source: reasons });
    const queueFull = refused.some((result) => result.error?.status === 429);
    showToast({
      tone: 'warning',
      title: `${started} of ${results.length} jobs started`,
      message: queueFull ? `${describeRefusal(refused.find((r) => r.error?.status === 429)!.error).message} The others are back in the form.` : 'The refused URLs are back in the form with the reasons.',
      durationMs: 0,
    });
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length) {
      if (found.source) sourceRef.current?.focus();
      return;
    }
    const formats = chosen;
    const options = buildOptions();
    // The form resets at once; the job shows up in the stack. A refusal puts the input back.
    if (kind === 'url') {
      const list = parsedUrls.urls;
      setUrls('');
      if (list.length === 1) {
        createJob.mutate({ source: { url: list[0] }, formats, options }, { onError: (error) => onRefused(error, list[0]) });
      } else {
        createBatch.mutate({ urls: list, formats, options }, { onSuccess: onBatchDone, onError: (error) => onRefused(error, list.join('\n')) });
      }
    } else {
      const submitted = text;
      setText('');
      createJob.mutate({ source: { text: submitted }, formats, options }, { onError: (error) => onRefused(error, submitted) });
    }
  }

  if (formatsQuery.isPending) return <Loading label="Loading the available outputs…" />;
  if (formatsQuery.isError) {
    return (
      <Alert tone="error" title="The list of outputs could not be loaded">
        {describeError(formatsQuery.error)}{' '}
        <Button size="sm" onClick={() => formatsQuery.refetch()}>
          Try again
        </Button>
      </Alert>
    );
  }

  const busy = createJob.isPending || createBatch.isPending;
  const [source, setSource] = kind === 'url' ? [urls, setUrls] : [text, setText];
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New job" data-testid="submit-form">
      <div className={styles.modes} role="radiogroup" aria-label="Source">
        <label>
          <input type="radio" name="source-kind" value="url" checked={kind === 'url'} onChange={() => setKind('url')} data-testid="source-kind-url" />
          Web pages
        </label>
        <label>
          <input type="radio" name="source-kind" value="text" checked={kind === 'text'} onChange={() => setKind('text')} data-testid="source-kind-text" />
          Pasted text
        </label>
      </div>

      <TextAreaField
        ref={sourceRef}
        {...sourceFields[kind]}
        value={source}
        onChange={(e) => setSource(e.target.value)}
        error={errors.source}
      />

      <FormatPicker formats={available} selected={selected ?? new Set()} onChange={setSelected} error={errors.formats} />

      {chosen.includes(customInstructionFormat) && (
        <TextAreaField
          id="custom-instruction"
          label="Instruction for the model"
          hint="For example: “List every date mentioned, with what happens on it.”"
          rows={3}
          value={instruction}
          onChange={(e) => setInstruction(e.target.value)}
          error={errors.instruction}
        />
      )}

      {kind === 'url' && <CaptureOptions values={capture} onChange={setCapture} errors={{ selector: errors.selector, timeout: errors.timeout }} />}

      {errors.general && (
        <Alert tone="error" testId="submit-error">
          {errors.general.join(' ')}
        </Alert>
      )}

      <div className={styles.footer}>
        <Button type="submit" variant="primary" busy={busy} data-testid="submit-job">
          {jobCount > 1 ? `Start ${jobCount} jobs` : 'Start job'}
        </Button>
        <span className={styles.summary} aria-live="polite">
          {summaryText(jobCount, chosen, available)}
        </span>
      </div>
    </form>
  );
}

function summaryText(jobCount: number, chosen: string[], available: FormatView[]): string {
  if (jobCount === 0 || chosen.length === 0) return '';
  const outputs = `${chosen.length} of ${available.length} outputs`;
  return jobCount === 1 ? `1 job · ${outputs}` : `${jobCount} jobs · ${outputs} each`;
}
