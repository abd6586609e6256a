/** Shared test helpers: real temporary directories and the real built CLI. */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SAMPLE_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'legacy-sample');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

const created: string[] = [];

/** A fresh empty temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'coord-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

process.on('exit', () => {
  for (const dir of created) {
    try {
      fs.chmodSync(dir, 0o700);
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

/** A writable copy of ../shared/legacy-sample. */
export function copySample(): string {
  const dir = path.join(tempDir('coord-sample-'), 'coordination');
  fs.cpSync(SAMPLE_DIR, dir, { recursive: true });
  // The shared copy is read-only; tests write to theirs.
  const makeWritable = (p: string) => {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() ? 0o700 : 0o600);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(dir);
  return dir;
}

/** A new coordination directory made by `coord init`. */
export function freshDir(): string {
  const dir = path.join(tempDir(), 'coordination');
  const r = runCoord(['init', dir]);
  if (r.code !== 0) throw new Error(`coord init failed: ${r.stderr}`);
  return dir;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A realistic directory of `messages` messages written by scripts/generate-dir.mjs (fast: no CLI). */
export async function generateDirectory(dir: string, messages: number, seed = 1): Promise<unknown> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (u: string) => Promise<{ generateDir: (d: string, o: object) => unknown }>
  )(url);
  return mod.generateDir(dir, { messages, seed });
}

/** Runs the built `coord` as a process. */
export function runCoord(
  args: string[],
  opts: {
    as?: string;
    dir?: string;
    env?: NodeJS.ProcessEnv;
    input?: string | Buffer;
    cwd?: string;
    timeout?: number;
  } = {},
): RunResult {
  const full = [...(opts.dir ? ['--dir', opts.dir] : []), ...(opts.as ? ['--as', opts.as] : []), ...args];
  const env = { ...process.env, ...opts.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.COORDINATION_DIR;
  Object.assign(env, opts.env ?? {});
  const r = spawnSync(process.execPath, [CLI, ...full], {
    encoding: 'utf8',
    env,
    input: opts.input ?? '',
    cwd: opts.cwd ?? os.tmpdir(),
    timeout: opts.timeout ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `coord` asynchronously (for concurrency tests). */
export function runCoordAsync(args: string[], opts: { as?: string; dir?: string } = {}): Promise<RunResult> {
  const full = [...(opts.dir ? ['--dir', opts.dir] : []), ...(opts.as ? ['--as', opts.as] : []), ...args];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...full], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Every file under `dir` with its bytes, for "nothing changed" assertions. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.set(path.relative(dir, full), fs.readFileSync(full).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

/** A long-lived `node ARGS` process (coord wait, watch, mcp...) with its output collected as it comes. */
export function startNode(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const child = spawn(process.execPath, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, done, out: () => stdout, err: () => stderr };
}

/** The JSON values of NDJSON output (`coord --json watch`), one per non-empty line. */
export function parseNdjson<T = unknown>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
