/**
 * Edits a JSON (or JSON with comments) config file as text, so everything we
 * do not touch stays byte for byte: find a container by its key path and
 * insert one member before its closing bracket, in the file's own indentation.
 */

interface Node {
  kind: 'object' | 'array' | 'scalar';
  start: number;
  end: number;
  members: Array<{ key: string | null; value: Node }>;
  value?: unknown;
}

class Scanner {
  i = 0;
  constructor(readonly text: string) {}

  skip(): void {
    const t = this.text;
    for (;;) {
      while (this.i < t.length && /\s/.test(t[this.i])) this.i++;
      if (t.startsWith('//', this.i)) {
        const nl = t.indexOf('\n', this.i);
        this.i = nl < 0 ? t.length : nl + 1;
      } else if (t.startsWith('/*', this.i)) {
        const end = t.indexOf('*/', this.i + 2);
        if (end < 0) throw new Error('unterminated comment');
        this.i = end + 2;
      } else return;
    }
  }

  value(): Node {
    this.skip();
    const t = this.text;
    const start = this.i;
    const ch = t[this.i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      this.i++;
      const members: Node['members'] = [];
      for (;;) {
        this.skip();
        if (t[this.i] === close) {
          this.i++;
          return { kind: ch === '{' ? 'object' : 'array', start, end: this.i, members };
        }
        let key: string | null = null;
        if (ch === '{') {
          const k = this.value();
          if (typeof k.value !== 'string') throw new Error(`expected a key at ${k.start}`);
          key = k.value;
          this.skip();
          if (t[this.i++] !== ':') throw new Error(`expected ':' at ${this.i - 1}`);
        }
        members.push({ key, value: this.value() });
        this.skip();
        if (t[this.i] === ',') {
          this.i++;
          continue;
        }
        if (t[this.i] !== close) throw new Error(`expected ',' or '${close}' at ${this.i}`);
      }
    }
    const m = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(t.slice(this.i));
    if (!m) throw new Error(`unexpected '${t[this.i] ?? 'end of file'}' at ${this.i}`);
    this.i += m[0].length;
    return { kind: 'scalar', start, end: this.i, members: [], value: JSON.parse(m[0]) };
  }
}

/** Parses the text (comments allowed); throws with a position when it is not JSON. */
function parseTree(text: string): Node {
  const s = new Scanner(text);
  const root = s.value();
  s.skip();
  if (s.i !== text.length) throw new Error(`unexpected text after the JSON value at ${s.i}`);
  return root;
}

/** The plain value of the file (comments dropped). */
export function parseJsonText(text: string): unknown {
  const toValue = (n: Node): unknown =>
    n.kind === 'scalar'
      ? n.value
      : n.kind === 'array'
        ? n.members.map((m) => toValue(m.value))
        : Object.fromEntries(n.members.map((m) => [m.key, toValue(m.value)]));
  return toValue(parseTree(text));
}

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * Inserts `value` into the container at `path` (object keys; creates missing
 * objects and, for the last step when `key` is null, an array). With `key` the
 * value becomes a member of an object, without it an element of an array.
 */
export function insertJson(text: string, path: string[], key: string | null, value: unknown): string {
  if (text.trim() === '') text = '{}\n';
  const root = parseTree(text);
  let node = root;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const next = node.members.find((m) => m.key === path[depth]);
    if (!next) break;
    node = next.value;
  }
  // Build what is missing below the deepest container found.
  let memberKey: string | null;
  let memberValue: unknown;
  if (depth < path.length) {
    if (node.kind !== 'object') throw new Error(`'${path.slice(0, depth).join('.')}' is not an object`);
    memberKey = path[depth];
    let inner: unknown = key === null ? [value] : { [key]: value };
    for (let i = path.length - 1; i > depth; i--) inner = { [path[i]]: inner };
    memberValue = inner;
  } else {
    if (key === null && node.kind !== 'array') throw new Error(`'${path.join('.')}' is not an array`);
    if (key !== null && node.kind !== 'object') throw new Error(`'${path.join('.')}' is not an object`);
    memberKey = key;
    memberValue = value;
  }
  const outer = lineIndent(text, node.start);
  const first = node.members[0];
  const unit = first ? lineIndent(text, first.value.start).slice(outer.length) || '  ' : detectUnit(text);
  const indent =
    first && text.slice(node.start, first.value.start).includes('\n')
      ? lineIndent(text, first.value.start)
      : outer + unit;
  const rendered = JSON.stringify(memberValue, null, unit).replace(/\n/g, `\n${indent}`);
  const member = memberKey === null ? rendered : `${JSON.stringify(memberKey)}: ${rendered}`;
  const closeAt = node.end - 1;
  if (node.members.length === 0)
    return `${text.slice(0, node.start + 1)}\n${indent}${member}\n${outer}${text.slice(closeAt)}`;
  const last = node.members[node.members.length - 1].value.end;
  return `${text.slice(0, last)},\n${indent}${member}${text.slice(last)}`;
}

function detectUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1] : '  ';
}
