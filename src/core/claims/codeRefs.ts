/**
 * Places in code that message text points at: `path/to/file.ts:42` or
 * `path/to/file.ts:42-50`. The path is relative (to the repository or a
 * workspace folder) and its last part has an extension; whether the file
 * exists is for the caller to decide. Also the quote a message sends for a
 * selection ("Send Selection to…"), which the parser reads back.
 */

export interface CodeRef {
  /** Offsets of the whole `path:line[-end]` in the text. */
  start: number;
  end: number;
  path: string;
  line: number;
  endLine: number;
}

const CODE_REF_RE = /(?<![\w./\\@#:-])((?:[\w.-]+\/)*[\w-][\w.-]*\.[A-Za-z0-9]+):(\d{1,7})(?:-(\d{1,7}))?(?![\w:])/g;

export function findCodeRefs(text: string): CodeRef[] {
  const found: CodeRef[] = [];
  for (const m of text.matchAll(CODE_REF_RE)) {
    const file = m[1];
    if (file.split('/').some((part) => part === '..' || part === '.')) continue;
    const line = Number(m[2]);
    const endLine = m[3] !== undefined ? Number(m[3]) : line;
    if (line < 1 || endLine < line) continue;
    const start = m.index ?? 0;
    found.push({ start, end: start + m[0].length, path: file, line, endLine });
  }
  return found;
}

/** `path:line` or `path:line-end`, as a message writes it. */
export function formatCodeRef(file: string, line: number, endLine = line): string {
  return endLine > line ? `${file}:${line}-${endLine}` : `${file}:${line}`;
}

/** The text "Send Selection to…" sends: the place, then the selected lines as a fenced block. */
export function formatSelectionQuote(file: string, line: number, endLine: number, selected: string, note = ''): string {
  const body = selected.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const fence = body.includes('```') ? '~~~' : '```';
  return `${note.trim() ? `${note.trim()}\n` : ''}${formatCodeRef(file, line, endLine)}\n${fence}\n${body}\n${fence}`;
}
