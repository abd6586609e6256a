/**
 * `path/to/file.ts:42` links in message text. The host found the places
 * (only files inside the workspace) and sent their offsets; this turns them
 * into buttons that ask the host to open the file, and leaves the rest of the
 * text to the ordinary renderer. Text is only ever set as text nodes.
 */
import type { ViewMessage, WebviewToHost } from '../shared/protocol';

type CodeRefs = NonNullable<ViewMessage['codeRefs']>;

export function renderWithCodeRefs(
  container: HTMLElement,
  text: string,
  refs: CodeRefs | undefined,
  renderPlain: (container: HTMLElement, text: string) => void,
  post: (m: WebviewToHost) => void,
): void {
  let last = 0;
  for (const ref of [...(refs ?? [])].sort((a, b) => a.start - b.start)) {
    if (ref.start < last || ref.end > text.length || ref.end <= ref.start) continue;
    if (ref.start > last) renderPlain(container, text.slice(last, ref.start));
    const link = document.createElement('a');
    link.className = 'code-ref';
    link.href = '#';
    link.textContent = text.slice(ref.start, ref.end);
    const lines = ref.endLine > ref.line ? `lines ${ref.line}-${ref.endLine}` : `line ${ref.line}`;
    link.title = `Open ${ref.path} at ${lines}`;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      post({ type: 'openCodeRef', path: ref.path, line: ref.line, endLine: ref.endLine });
    });
    container.append(link);
    last = ref.end;
  }
  if (last < text.length) renderPlain(container, text.slice(last));
}
