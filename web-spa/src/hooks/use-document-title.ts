import { useEffect } from 'react';

/** Each page names itself in the tab title (and for screen readers announcing navigation). */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Platform` : 'Platform';
  }, [title]);
}
