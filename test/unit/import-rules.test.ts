/**
 * The layering of src/ as rules over its import graph (read by test/support/importGraph.ts):
 * the shells reach the core only through src/core/index.ts, the core never reaches a shell,
 * VS Code or a child process, no two files import each other even indirectly, the core's
 * concerns (its folders) are layered without a cycle, and no two files in src/ share a name.
 */
import * as assert from 'assert';
import * as path from 'path';
import { findCycles, listFiles, parseImports, readGraph } from '../support/importGraph';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CORE_INDEX = 'src/core/index.ts';
/** Folders that hold a shell around the core: none of them may be imported by it. */
const SHELLS = ['src/cli/', 'src/mcp/', 'src/extension/', 'src/webview/', 'src/shared/'];
/** Packages the core must not load: the editor's API and child processes (the security scan's rule, test/fault). */
const CORE_FORBIDDEN_PACKAGES = ['vscode', 'child_process', 'node:child_process'];
/**
 * protocol.ts is compiled into the thread panel's page as well as the extension. The page is type-checked
 * with DOM types and no Node types, so it cannot load core/index (which reaches fs, path and the rest);
 * it takes the message types from their own module, type-only, so nothing of the core is bundled.
 */
const ALLOWED_DEEP_IMPORTS = [{ from: 'src/shared/protocol.ts', to: 'src/core/common/messageTypes.ts' }];

describe('import rules over src/', () => {
  const graph = readGraph(ROOT);

  it('reads a real graph: every TypeScript file, and imports in every shell', () => {
    assert.ok(graph.length > 100, `${graph.length} files`);
    for (const shell of ['src/cli/', 'src/mcp/', 'src/extension/'])
      assert.ok(
        graph.some((f) => f.rel.startsWith(shell) && f.imports.some((i) => i.target === CORE_INDEX)),
        `${shell} imports the core`,
      );
  });

  it('the CLI, the MCP server, the extension, the webview and shared code import the core only through its index', () => {
    const offenders: string[] = [];
    for (const file of graph) {
      if (file.rel.startsWith('src/core/')) continue;
      for (const ref of file.imports) {
        if (!ref.target?.startsWith('src/core/') || ref.target === CORE_INDEX) continue;
        const allowed = ALLOWED_DEEP_IMPORTS.some((a) => a.from === file.rel && a.to === ref.target && ref.typeOnly);
        if (!allowed) offenders.push(`${file.rel}:${ref.line} imports ${ref.target}`);
      }
    }
    assert.deepStrictEqual(offenders, []);
  });

  it('the core imports no shell, no vscode and no child_process', () => {
    const offenders: string[] = [];
    for (const file of graph) {
      if (!file.rel.startsWith('src/core/')) continue;
      for (const ref of file.imports) {
        const shell = ref.target && SHELLS.find((s) => ref.target!.startsWith(s));
        if (shell || CORE_FORBIDDEN_PACKAGES.includes(ref.spec))
          offenders.push(`${file.rel}:${ref.line} imports ${ref.target ?? ref.spec}`);
      }
    }
    assert.deepStrictEqual(offenders, []);
  });

  it('no import cycle between files (type-only imports count)', () => {
    const edges = new Map(
      graph.map((f) => [f.rel, [...new Set(f.imports.map((i) => i.target).filter((t): t is string => !!t))]]),
    );
    assert.deepStrictEqual(findCycles(edges), []);
  });

  it("no cycle between the core's concerns: each folder (and coordination.ts) sits above the ones it imports", () => {
    // 'src/core/read/store.ts' -> 'read'; files directly in src/core (coordination.ts, index.ts) are their own node.
    const concern = (rel: string) => rel.slice('src/core/'.length).split('/')[0];
    const edges = new Map<string, Set<string>>();
    for (const file of graph) {
      if (!file.rel.startsWith('src/core/')) continue;
      for (const ref of file.imports) {
        if (!ref.target?.startsWith('src/core/') || concern(ref.target) === concern(file.rel)) continue;
        edges.set(concern(file.rel), (edges.get(concern(file.rel)) ?? new Set()).add(concern(ref.target)));
      }
    }
    assert.ok(edges.get('backend.ts') === undefined && edges.has('backend'), 'folders were read as concerns');
    assert.deepStrictEqual(findCycles(new Map([...edges].map(([k, v]) => [k, [...v]]))), []);
  });

  it('file names are unique across src/', () => {
    const byName = new Map<string, string[]>();
    for (const rel of listFiles(ROOT, 'src')) {
      const name = path.posix.basename(rel);
      byName.set(name, [...(byName.get(name) ?? []), rel]);
    }
    assert.deepStrictEqual(
      [...byName.values()].filter((files) => files.length > 1),
      [],
    );
  });
});

describe('the import scanner', () => {
  it('finds every statement form, type-only or not, with its line', () => {
    const src = [
      "import * as fs from 'fs';",
      "import type { A, B } from './types';",
      'import x, {',
      '  y,',
      "} from '../y';",
      "import './side-effect';",
      "export * from './all';",
      "export type { C } from './c';",
      "export { d as e } from './d';",
      "const m = require('node:child_process');",
      "type T = typeof import('../t');",
    ].join('\n');
    assert.deepStrictEqual(
      parseImports(src).map((r) => `${r.line} ${r.typeOnly ? 'type ' : ''}${r.spec}`),
      [
        '1 fs',
        '2 type ./types',
        '3 ../y',
        '6 ./side-effect',
        '7 ./all',
        '8 type ./c',
        '9 ./d',
        '10 node:child_process',
        '11 ../t',
      ],
    );
  });

  it('does not take imports written in comments, strings, templates or regular expressions', () => {
    const src = [
      "// import a from 'commented';",
      "/* export * from 'block'; */",
      'const s = "import b from \'in-a-string\'";',
      'const t = `',
      "import c from 'in-a-template' ${`require('nested')`}",
      '`;',
      "const r = /import d from 'in-a-regex'/;",
      "const half = 4 / 2; import e from 'real';",
    ].join('\n');
    assert.deepStrictEqual(
      parseImports(src).map((r) => r.spec),
      ['real'],
    );
  });

  it('finds a cycle of any length, and a file importing itself', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepStrictEqual(findCycles(edges), [['a', 'b', 'c'], ['e']]);
  });
});
