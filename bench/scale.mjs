// `npm run bench -- --scale N`: what the reading commands cost at N messages
// beside the same commands at 10k, each a real `coord` process timed with
// /usr/bin/time -v (wall time and peak RSS).
//
//   --scale N             the large size (e.g. 1000000)
//   --scale-dir DIR       reuse a directory generated earlier with N messages
//                         (scripts/generate-dir.mjs DIR --messages N --seed 1);
//                         it is copied, never changed
//   --baseline-cli FILE   also time an older build's dist/cli.js on the same
//                         directories (its figures go in each row's note)
//
// Every command runs twice on each directory: the first run may build the
// persisted index (data/.coord-search-index, which the reading commands use as
// the directory's summary), the second is the steady state the goals are
// about. Both are reported. The first command builds that index; "search, no
// index yet" deletes it first, so it times a search that has to build it.
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');

const cleanEnv = { ...process.env };
delete cleanEnv.CLAUDE_INSTANCE_ID;
delete cleanEnv.COORDINATION_DIR;
delete cleanEnv.NODE_OPTIONS;

/**
 * Runs one CLI command under /usr/bin/time -v; returns { ms, mb }. With
 * `outFile` its output goes there instead of into this process (JSON output of
 * a large directory is hundreds of MB), and `bytes` says how much it wrote.
 */
function timed(cli, dir, argv, outFile) {
  const out = outFile ? openSync(outFile, 'w') : 'pipe';
  let r;
  try {
    r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, '--dir', dir, '--as', 'instance-2', ...argv], {
      encoding: 'utf8',
      env: cleanEnv,
      maxBuffer: 1 << 30,
      stdio: ['ignore', out, 'pipe'],
    });
  } finally {
    if (outFile) closeSync(out);
  }
  if (r.status !== 0) throw new Error(`coord ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-400)}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const ms = wall ? ((Number(wall[1] ?? 0) * 60 + Number(wall[2])) * 60 + Number(wall[3])) * 1000 : NaN;
  return { ms, mb: rss ? Number(rss[1]) / 1024 : NaN, bytes: outFile ? statSync(outFile).size : null };
}

const indexFile = (dir) => join(dir, 'data', '.coord-search-index');

/** The first and last bytes of a file, to check a JSON array was written whole without parsing it. */
function ends(file) {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const head = Buffer.alloc(Math.min(size, 16));
    const tail = Buffer.alloc(Math.min(size, 16));
    readSync(fd, head, 0, head.length, 0);
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** A message near the end of the log that has a bash reply below it. */
function threadRoot(dir) {
  const log = readFileSync(join(dir, 'data', 'messages.log'));
  const tail = log.subarray(Math.max(0, log.length - 200_000)).toString('utf8');
  const hits = [...tail.matchAll(/\[REPLY to msg #(\d+) from/g)];
  return hits.length ? hits[hits.length - 1][1] : '1';
}

const COMMANDS = [
  { name: 'list-chatrooms', argv: () => ['list-chatrooms'], ms: 500, mb: 150 },
  { name: 'system-status', argv: () => ['system-status'], ms: 500, mb: 150 },
  { name: 'check-chatroom general (last 50)', argv: () => ['check-chatroom', 'general'], ms: 500, mb: 150 },
  { name: 'thread N', argv: (dir) => ['thread', threadRoot(dir)], ms: 500, mb: 150 },
  { name: 'check-inbox', argv: () => ['check-inbox'], ms: 500, mb: 150 },
  // Streamed: the output grows with the unread count, the memory should not.
  { name: 'check-unread --json', argv: () => ['--json', 'check-unread'], ms: null, mb: 150, output: 'json' },
  {
    name: 'search, no index yet (builds it)',
    argv: () => ['search', 'rollback', 'canary'],
    ms: 10_000,
    mb: 600,
    once: true,
    withoutIndex: true,
  },
  { name: 'search (later)', argv: () => ['search', 'deploy', 'failing'], ms: 300, mb: null },
  // It changes the directory: what follows is the state of an instance that keeps up with its messages.
  { name: 'mark-read all', argv: () => ['mark-read', 'all'], ms: 500, mb: 150, once: true },
  { name: 'system-status, all read', argv: () => ['system-status'], ms: 500, mb: 150 },
  { name: 'check-inbox, all read', argv: () => ['check-inbox'], ms: 500, mb: 150 },
  // Agents keep writing: the summary answers with what was appended since it was built (up to 2,000 messages).
  {
    name: 'system-status, 1,900 messages since the summary',
    argv: () => ['system-status'],
    ms: 500,
    mb: 150,
    prepare: (dir) => appendMessages(dir, 1900),
  },
  { name: 'check-inbox, 1,900 messages since the summary', argv: () => ['check-inbox'], ms: 500, mb: 150 },
];

/** `count` messages sent through the library by instance-3: to #general, and every third to @instance-2. */
function appendMessages(dir, count) {
  const script = `
    const core = require(${JSON.stringify(join(root, 'dist', 'core.js'))});
    (async () => {
      const c = core.openCoordination({ dir: process.argv[1], instance: 'instance-3' });
      for (let i = 0; i < ${count}; i++)
        await c.send(i % 3 === 0 ? '@instance-2' : '#general', 'appended ' + i + ' about the rollout @instance-2');
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8', env: cleanEnv });
  if (r.status !== 0) throw new Error(`appending ${count} messages failed: ${r.stderr}`);
}

function measureAll(cli, dir, work) {
  const out = new Map();
  for (const c of COMMANDS) {
    const argv = c.argv(dir);
    if (c.withoutIndex) {
      rmSync(indexFile(dir), { force: true });
      if (existsSync(indexFile(dir))) throw new Error(`${c.name}: could not remove ${indexFile(dir)}`);
    }
    c.prepare?.(dir);
    const outFile = c.output ? join(work, 'scale-output.json') : undefined;
    const run = () => {
      const t = timed(cli, dir, argv, outFile);
      if (outFile) {
        const { head, tail } = ends(outFile);
        if (!head.startsWith('[') || !tail.trimEnd().endsWith(']'))
          throw new Error(`coord ${argv.join(' ')} did not write a whole JSON array (${t.bytes} bytes)`);
        rmSync(outFile);
      }
      return t;
    };
    const first = run();
    // An older build (--baseline-cli) may not keep an index at all.
    if (c.withoutIndex && cli === CLI && !existsSync(indexFile(dir)))
      throw new Error(`${c.name}: the search did not build the index`);
    const steady = c.once ? first : run();
    out.set(c.name, { first, steady });
  }
  return out;
}

export async function benchScale({ work, scale, scaleDir, baselineCli }) {
  const { generateDir } = await import(pathToFileURL(join(root, 'scripts', 'generate-dir.mjs')).href);
  const make = (name, n, from) => {
    const dir = join(work, name, 'coordination');
    if (from) cpSync(from, dir, { recursive: true });
    else generateDir(dir, { messages: n, seed: 1 });
    return dir;
  };
  const small = make('scale-10k', 10_000);
  const large = make(`scale-${scale}`, scale, scaleDir);
  const now = { small: measureAll(CLI, small, work), large: measureAll(CLI, large, work) };
  let old = null;
  if (baselineCli && existsSync(baselineCli)) {
    const smallOld = make('scale-10k-old', 10_000);
    const largeOld = make(`scale-${scale}-old`, scale, scaleDir ?? large);
    old = { small: measureAll(baselineCli, smallOld, work), large: measureAll(baselineCli, largeOld, work) };
  }
  const label = scale >= 1e6 ? `${scale / 1e6}M` : `${scale / 1e3}k`;
  const rows = [];
  for (const c of COMMANDS) {
    const a = now.large.get(c.name);
    const b = now.small.get(c.name);
    const o = old?.large.get(c.name);
    const note = (m) =>
      (c.once ? 'run once' : `first run ${Math.round(a.first.ms)} ms / ${Math.round(a.first.mb)} MB`) +
      (a.steady.bytes !== null ? `; ${(a.steady.bytes / 2 ** 20).toFixed(1)} MB of output` : '') +
      (o ? `; older build at ${label}: ${Math.round(o[m].ms)} ms / ${Math.round(o[m].mb)} MB` : '');
    rows.push({
      name: `${c.name} at ${label}, time`,
      value: a.steady.ms,
      unit: 'ms',
      baseline: 'same at 10k',
      baselineValue: b.steady.ms,
      goal: c.ms ? `< ${c.ms} ms` : 'info',
      check: c.ms ? (v) => v < c.ms : undefined,
      note: note('steady'),
    });
    rows.push({
      name: `${c.name} at ${label}, peak RSS`,
      value: a.steady.mb,
      unit: 'MB',
      baseline: 'same at 10k',
      baselineValue: b.steady.mb,
      goal: c.mb ? `< ${c.mb} MB` : 'info',
      check: c.mb ? (v) => v < c.mb : undefined,
    });
  }
  return rows;
}
