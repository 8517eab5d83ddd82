/** Lesson narration is Markdown written by anyone: rendered with marked, then sanitised. */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true });
  return DOMPurify.sanitize(html);
}
