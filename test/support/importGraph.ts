/**
 * The import graph of src/, read with a small scanner instead of a compiler: each file's
 * `import ... from`, `import '...'`, `export ... from`, `require('...')` and `import('...')`,
 * with comments, string and template text and regular expressions masked first, so an import
 * written inside a comment or a string is not one.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface ImportRef {
  /** As written: '../core', 'vscode', 'node:child_process'. */
  spec: string;
  /** `import type` / `export type`: erased from the JavaScript. */
  typeOnly: boolean;
  /** The 1-based line it starts on. */
  line: number;
}

const REGEX_BEFORE = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_AFTER_WORD = /\b(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/**
 * The source with comments, template text and regular expressions blanked (newlines kept) and each
 * quoted string replaced by `'#N'`, N indexing `strings`.
 */
export function maskSource(src: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let out = '';
  let i = 0;
  /** Open `${` of enclosing templates: the brace depth at which each one closes. */
  const templates: number[] = [];
  let depth = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, ' ');
  const lastSignificant = () => out.replace(/\s+$/, '');

  const template = () => {
    // At a backtick or just after a `}` that closes `${`: copy nothing up to the next `${` or closing backtick.
    let j = i;
    while (j < src.length && src[j] !== '`') {
      if (src[j] === '\\') j += 2;
      else if (src[j] === '$' && src[j + 1] === '{') {
        out += blank(src.slice(i, j)) + '${';
        i = j + 2;
        templates.push(depth++);
        return;
      } else j++;
    }
    out += blank(src.slice(i, j)) + '`';
    i = j + 1;
  };

  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      strings.push(src.slice(i + 1, j));
      out += `'#${strings.length - 1}'`;
      i = src[j] === '\n' ? j : j + 1;
    } else if (c === '`') {
      out += '`';
      i++;
      template();
    } else if (c === '}' && templates.length && templates[templates.length - 1] === depth - 1) {
      templates.pop();
      depth--;
      out += '}';
      i++;
      template();
    } else if (c === '/') {
      const before = lastSignificant();
      const isRegex = before === '' || REGEX_BEFORE.has(before[before.length - 1]) || REGEX_AFTER_WORD.test(before);
      if (!isRegex) {
        out += c;
        i++;
        continue;
      }
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      out += '/' + blank(src.slice(i + 1, j)) + '/';
      i = j + 1;
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      out += c;
      i++;
    }
  }
  return { code: out, strings };
}

const STATEMENTS: Array<{ re: RegExp; typeGroup?: number }> = [
  // import x from '..', import * as x from '..', import type { A } from '..', import x, { y } from '..'
  { re: /(?:^|[\n;])\s*import\s+(type\s+)?[\w$*{},\s]+?\s+from\s*'#(\d+)'/g, typeGroup: 1 },
  // import '..' (for its side effects)
  { re: /(?:^|[\n;])\s*import\s*'#(\d+)'/g },
  // export * from '..', export { a } from '..', export type { A } from '..'
  { re: /(?:^|[\n;])\s*export\s+(type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*'#(\d+)'/g, typeGroup: 1 },
  // require('..'), import('..') (also `typeof import('..')` in a type)
  { re: /(?<![\w$.])(?:require|import)\s*\(\s*'#(\d+)'\s*\)/g },
];

/** Every module a source file imports, in the order written. */
export function parseImports(src: string): ImportRef[] {
  const { code, strings } = maskSource(src);
  const found: Array<ImportRef & { at: number }> = [];
  for (const { re, typeGroup } of STATEMENTS) {
    for (const m of code.matchAll(re)) {
      const at = (m.index ?? 0) + m[0].search(/import|export|require/);
      found.push({
        spec: strings[Number(m[m.length - 1])],
        typeOnly: typeGroup !== undefined && m[typeGroup] !== undefined,
        line: code.slice(0, at).split('\n').length,
        at,
      });
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ spec, typeOnly, line }) => ({ spec, typeOnly, line }));
}

export interface SourceFile {
  /** Relative to the repository root, with forward slashes: 'src/core/index.ts'. */
  rel: string;
  imports: Array<ImportRef & { target: string | null }>;
}

/** The file a relative import names (repository-relative), or null for a package ('vscode', 'fs'). */
export function resolveImport(root: string, fromRel: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(root, path.dirname(fromRel), spec);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile())
      return path.relative(root, candidate).split(path.sep).join('/');
  }
  throw new Error(`${fromRel}: import '${spec}' names no file`);
}

/** Every file below `dir` (repository-relative), sorted. */
export function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Each TypeScript file below `dir` with its imports resolved. */
export function readGraph(root: string, dir = 'src'): SourceFile[] {
  return listFiles(root, dir)
    .filter((rel) => /\.tsx?$/.test(rel))
    .map((rel) => ({
      rel,
      imports: parseImports(fs.readFileSync(path.join(root, rel), 'utf8')).map((ref) => ({
        ...ref,
        target: resolveImport(root, rel, ref.spec),
      })),
    }));
}

/** The strongly connected components with more than one file, or one file importing itself (Tarjan). */
export function findCycles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
