import { useEffect, useMemo } from 'react';
import { Alert } from '@/components/alert';
import { buttonClass } from '@/components/button';
import { Loading } from '@/components/spinner';
import { ProgressBar } from '@/components/progress-bar';
import { describeError } from '@/lib/api-client';
import type { LiveJob, LiveTask } from '@/lib/job-state';
import { taskResultUrl, useTaskResult, type TaskResultContent } from '@/features/jobs/api/get-task-result';
import { DataView } from '@/features/jobs/components/data-view';
import { LinksTable, parseLinks } from '@/features/jobs/components/links-table';
import { MarkdownView } from '@/features/jobs/components/markdown-view';
import styles from '@/features/jobs/components/result-views.module.css';
import { formatBytes, formatName, formatPercent } from '@/utils/format';

interface TaskResultProps {
  job: LiveJob;
  task: LiveTask;
  /** Text streamed so far (model-written formats). */
  streamed?: string;
}

/** One format's tab: what it is doing now, then its result as soon as it exists. */
export function TaskResult({ job, task, streamed }: TaskResultProps) {
  const hasResult = task.state === 'completed' || !!task.result;
  const version = task.result?.sha256 ?? `${job.attempt ?? 1}-${task.attempts ?? 1}`;
  const result = useTaskResult(job.id, task.format, version, hasResult);
  const name = formatName(task.format);

  if (hasResult) {
    if (result.isPending) return streamed ? <MarkdownView text={streamed} /> : <Loading label={`Loading the ${name} result…`} />;
    if (result.isError) return <Alert tone="error" title={`The ${name} result could not be loaded`}>{describeError(result.error)}</Alert>;
    return (
      <div data-testid={`result-${task.format}`}>
        <ResultToolbar job={job} task={task} content={result.data} />
        <ResultBody format={task.format} content={result.data} />
      </div>
    );
  }

  switch (task.state) {
    case 'failed':
      return (
        <Alert tone="error" title={`${name} failed`} testId={`task-error-${task.format}`}>
          {task.error ?? 'No reason was given.'}
          {task.attempts ? ` (after ${task.attempts} ${task.attempts === 1 ? 'try' : 'tries'})` : ''}
        </Alert>
      );
    case 'cancelled':
      return <Alert tone="warning">{name} was cancelled before it finished.</Alert>;
    case 'skipped':
      return <Alert tone="info">{name} was skipped{task.error ? `: ${task.error}` : '.'}</Alert>;
    case 'running':
      return (
        <div>
          <ProgressBar value={task.progress} label={`${name} progress`} />
          <p style={{ color: 'var(--color-text-muted)', marginTop: 8 }} role="status">
            {task.message ?? `Working on ${name}…`} {task.progress > 0 ? formatPercent(task.progress) : ''}
          </p>
          {streamed ? <MarkdownView text={streamed} streaming /> : null}
        </div>
      );
    default:
      return (
        <p style={{ color: 'var(--color-text-muted)' }} role="status">
          {job.state === 'queued' ? 'The job is waiting in the queue.' : `${name} starts when its input is ready.`}
        </p>
      );
  }
}

function fileName(job: LiveJob, format: string, contentType: string): string {
  const extension = contentType.includes('pdf')
    ? 'pdf'
    : contentType.includes('png')
      ? 'png'
      : contentType.includes('jpeg')
        ? 'jpg'
        : contentType.includes('json')
          ? 'json'
          : contentType.includes('markdown')
            ? 'md'
            : contentType.includes('html')
              ? 'html'
              : 'txt';
  return `${format}-${job.id.slice(0, 8)}.${extension}`;
}

function ResultToolbar({ job, task, content }: { job: LiveJob; task: LiveTask; content: TaskResultContent }) {
  const size = task.result?.size ?? content.blob?.size ?? (content.text ? new Blob([content.text]).size : undefined);
  return (
    <div className={styles.toolbar}>
      <span>{content.contentType.split(';')[0]}</span>
      {size !== undefined && <span>· {formatBytes(size)}</span>}
      <a
        className={buttonClass('secondary', 'sm')}
        href={taskResultUrl(job.id, task.format, true)}
        download={fileName(job, task.format, content.contentType)}
        data-testid={`download-${task.format}`}
      >
        Download
      </a>
    </div>
  );
}

function ResultBody({ format, content }: { format: string; content: TaskResultContent }) {
  const type = content.contentType.toLowerCase();
  if (content.blob && type.startsWith('image/')) return <ImageResult blob={content.blob} format={format} />;
  if (content.blob && type.includes('pdf')) return <PdfResult blob={content.blob} />;
  if (content.text === undefined) return <p>This result is a file: use Download to save it.</p>;
  if (type.includes('json')) return <JsonResult format={format} text={content.text} />;
  if (type.includes('markdown')) return <MarkdownView text={content.text} />;
  // HTML from a captured page is shown as source, never rendered into the app.
  return (
    <pre className={styles.text} data-testid="text-result">
      {content.text}
    </pre>
  );
}

function useObjectUrl(blob: Blob): string {
  const url = useMemo(() => URL.createObjectURL(blob), [blob]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return url;
}

function ImageResult({ blob, format }: { blob: Blob; format: string }) {
  const url = useObjectUrl(blob);
  return (
    <div className={styles.imageFrame}>
      <img className={styles.image} src={url} alt={`${formatName(format)} of the captured page`} data-testid="image-result" />
    </div>
  );
}

function PdfResult({ blob }: { blob: Blob }) {
  const url = useObjectUrl(blob);
  return (
    <object className={styles.pdf} data={url} type="application/pdf" aria-label="PDF of the captured page" data-testid="pdf-result">
      <p>
        This browser cannot show PDFs inline. <a href={url}>Open the PDF</a>.
      </p>
    </object>
  );
}

function JsonResult({ format, text }: { format: string; text: string }) {
  const parsed = useMemo(() => {
    try {
      return { ok: true as const, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false as const };
    }
  }, [text]);
  if (!parsed.ok) return <pre className={styles.text}>{text}</pre>;
  const links = format === 'links' ? parseLinks(parsed.value) : null;
  if (links) return <LinksTable links={links} />;
  return <DataView value={parsed.value} testId={`${format}-data`} />;
}
