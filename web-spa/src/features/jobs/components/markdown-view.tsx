import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import styles from '@/features/jobs/components/result-views.module.css';

// Captured pages are untrusted: react-markdown renders no raw HTML, and links open outside the app without a referrer.
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer nofollow" />,
};

export function MarkdownView({ text, streaming = false }: { text: string; streaming?: boolean }) {
  return (
    <div className={`${styles.markdown} ${streaming ? styles.streaming : ''}`} data-testid="markdown-result" aria-busy={streaming || undefined}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
