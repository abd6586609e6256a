#!/usr/bin/env node
// Search benchmark: index build time, index memory, query p50/p95 at 10k and
// 100k messages (ranked, exact, regex), each beside the plain substring (or
// regex) scan the product used before, measured in the same run on the same
// queries; and `coord search` as users run it (`node dist/cli.js search ...`)
// against a bare `node -e 0`: with the index current, right after a `send`
// (the index plus the delta of appended bytes), and with no index yet (the
// first search ever, which builds it).
//
//   node bench/search.mjs [--quick]   prints a table (--quick: 10k messages only)
//   import { benchSearch } from './bench/search.mjs'   -> rows
//
// Rows: { name, value, unit, baseline, baselineValue, goal?, check? }; a row
// with a goal is checked against it (check(value, ratio) -> true/false).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDir } from '../scripts/generate-dir.mjs';
import { quantile } from './benchStats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');
/** `coord --dir DIR search ...` as a user runs it (the built, shipped CLI). */
const coordSearch = (dir, query, flags = []) => [CLI, '--dir', dir, 'search', query, ...flags, '--json'];
const RANKED_P95_GOAL_MS = 20;
const CLI_GOAL_RATIO = 2.5;

// A realistic mix: rare words, common words (thousands of matches), two words, typos, prefixes.
const RANKED = [
  'zanzibar',
  'quixotic',
  'xylophone',
  'marmalade', // rare
  'deploy',
  'the',
  'fail',
  'ops',
  'general', // common (thousands of matches; 'general' is a room)
  'kumquat ops',
  'deploy failing',
  'rollback canary',
  'latency p99',
  'migration schema',
  'flaky timing',
  'tests passing', // two words
  'zanzibr',
  'deadlok',
  'rollbak', // typos
  'dep',
  'migr',
  'kumqu', // prefixes
];
const EXACT = ['zanzibar', 'quixotic', 'kumquat', 'deploy fail', 'root cause', 'p99'];
const REGEX = ['zan.ibar', 'deploy\\s+fail', 'p9\\d', '^root'];

/** Bundles the library pieces the bench needs (the search cache is not in dist/core.js's exports). */
async function loadLibrary(work) {
  const entry = join(work, 'bench-entry.ts');
  writeFileSync(
    entry,
    [
      `export { openCoordination } from ${JSON.stringify(join(root, 'src/core/coordination'))};`,
      `export { DirectoryStore } from ${JSON.stringify(join(root, 'src/core/read/store'))};`,
      `export { searchMessages } from ${JSON.stringify(join(root, 'src/core/search/searchEngine'))};`,
      `export { searchDirectory, buildSearchCache } from ${JSON.stringify(join(root, 'src/core/search/persistedIndex'))};`,
    ].join('\n'),
  );
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    nodePaths: [join(root, 'node_modules')],
  };
  await build({ ...common, entryPoints: [entry], outfile: join(work, 'bench-lib.cjs') });
  return { lib: createRequire(import.meta.url)(join(work, 'bench-lib.cjs')) };
}

function timeQueries(fn, queries, rounds) {
  for (const q of queries) fn(q); // warm up
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      fn(q);
      times.push(performance.now() - t);
    }
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

function processMedian(args, runs) {
  const times = [];
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.COORDINATION_DIR;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
  return quantile(times, 0.5);
}

const gc = () => globalThis.gc?.();
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

export async function benchSearch({ sizes = [10_000, 100_000], rounds = 10, processRuns = 11 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'coord-bench-search-'));
  const rows = [];
  const row = (name, value, unit, baseline = '', baselineValue = null, goal = undefined) =>
    rows.push({
      name,
      value: Math.round(value * 100) / 100,
      unit,
      baseline,
      baselineValue: baselineValue === null ? null : Math.round(baselineValue * 100) / 100,
      ...(goal ?? {}),
    });
  const under = (limit) => ({ goal: `< ${limit} ms`, check: (v) => v < limit });
  const cliGoal = { goal: `<= ${CLI_GOAL_RATIO}x baseline`, check: (_, r) => r <= CLI_GOAL_RATIO };
  try {
    const { lib } = await loadLibrary(work);
    for (const size of sizes) {
      const label = size >= 1000 ? `${size / 1000}k` : String(size);
      const dir = join(work, `dir-${label}`, 'coordination');
      generateDir(dir, { messages: size, seed: 3 });

      // In process: load the store, then build the index (warmSearchIndex), then query.
      const c = lib.openCoordination({ dir });
      c.messages();
      const before = heap();
      let t = performance.now();
      c.warmSearchIndex();
      const buildMs = performance.now() - t;
      const indexBytes = heap() - before;
      const store = new lib.DirectoryStore(dir);
      store.refresh();
      const all = store.allMessages();
      const lookup = (ref) => store.messageByRef(ref);
      // Each figure beside the old plain scan on the very same queries.
      const scan = (queries) => timeQueries((q) => lib.searchMessages(all, q, {}, lookup), queries, rounds);
      const baselineRanked = scan(RANKED);
      const baselineExact = scan(EXACT);
      const ranked = timeQueries((q) => c.search(q, { limit: 50 }), RANKED, rounds);
      const rankedAll = timeQueries((q) => c.search(q), RANKED, rounds);
      const exact = timeQueries((q) => c.search(q, { exact: true }), EXACT, rounds);
      const regex = timeQueries((q) => c.search(q, { regex: true }), REGEX, rounds);
      const baselineRegex = timeQueries((q) => lib.searchMessages(all, q, { regex: true }, lookup), REGEX, rounds);
      const everything = timeQueries((q) => c.search(q, { limit: 50 }), ['instance'], rounds);
      // What the Search Messages box asks for: the best 200 one may see, and how many in all.
      const searchBox = timeQueries((q) => c.searchBest(q, {}, 200), [...RANKED, 'instance'], rounds);
      row(`index build (in process) ${label}`, buildMs, 'ms');
      row(`index memory (in process) ${label}`, indexBytes / 1e6, 'MB');
      row(`ranked query p50, limit 50 ${label}`, ranked.p50, 'ms', 'plain scan p50, same queries', baselineRanked.p50);
      row(
        `ranked query p95, limit 50 ${label}`,
        ranked.p95,
        'ms',
        'plain scan p95, same queries',
        baselineRanked.p95,
        under(RANKED_P95_GOAL_MS),
      );
      row(
        `ranked query p50, all matches ${label}`,
        rankedAll.p50,
        'ms',
        'plain scan p50, same queries',
        baselineRanked.p50,
      );
      row(
        `ranked query p95, all matches ${label}`,
        rankedAll.p95,
        'ms',
        'plain scan p95, same queries',
        baselineRanked.p95,
      );
      row(`exact query p50 ${label}`, exact.p50, 'ms', 'plain scan p50, same queries', baselineExact.p50);
      row(`exact query p95 ${label}`, exact.p95, 'ms', 'plain scan p95, same queries', baselineExact.p95);
      row(`regex query p50 ${label}`, regex.p50, 'ms', 'plain regex scan p50', baselineRegex.p50);
      row(`regex query p95 ${label}`, regex.p95, 'ms', 'plain regex scan p95', baselineRegex.p95);
      row(
        `ranked 'instance' (every message matches), limit 50, p95 ${label}`,
        everything.p95,
        'ms',
        '',
        null,
        under(RANKED_P95_GOAL_MS),
      );
      row(
        `search box (best 200 visible and their count), p95 ${label}`,
        searchBox.p95,
        'ms',
        'all matches sorted, p95',
        rankedAll.p95,
        under(RANKED_P95_GOAL_MS),
      );

      // The persisted index the CLI reads.
      t = performance.now();
      lib.buildSearchCache(dir);
      row(`persisted index build ${label}`, performance.now() - t, 'ms');
      const cacheRanked = timeQueries(
        (q) => lib.searchDirectory(dir, null, q, { limit: 50 }),
        RANKED,
        Math.max(2, rounds / 2),
      );
      row(
        `persisted-index ranked query p95 (one call) ${label}`,
        cacheRanked.p95,
        'ms',
        'plain scan p95, same queries',
        baselineRanked.p95,
      );

      // Whole processes: node -e 0 versus `coord search` as users run it.
      const bare = processMedian(['-e', '0'], processRuns);
      for (const [name, q, flags] of [
        ['rare word', 'zanzibar', []],
        ['typo', 'zanzibr', []],
        ['two words', 'deploy failing', ['--limit', '20']],
        ['exact', 'quixotic', ['--exact']],
        ['regex', 'zan.ibar', ['--regex']],
      ]) {
        const ms = processMedian(coordSearch(dir, q, flags), processRuns);
        row(`coord search, ${name} ${label}`, ms, 'ms', 'node -e 0', bare, cliGoal);
      }
      // Right after a write: each run follows one more send (the index is not rewritten; the delta grows by one).
      const writer = lib.openCoordination({ dir, instance: 'instance-1' });
      const afterSend = [];
      for (let i = 0; i < processRuns; i++) {
        await writer.send('#general', `bench kiwi ${i}`);
        const t0 = performance.now();
        const r = spawnSync(process.execPath, coordSearch(dir, 'kiwi'), { stdio: ['ignore', 'pipe', 'pipe'] });
        afterSend.push(performance.now() - t0);
        if (r.status !== 0 || !r.stdout.toString().includes(`bench kiwi ${i}`))
          throw new Error(`search after send missed the message: ${r.stderr}`);
      }
      row(`coord search right after one send ${label}`, quantile(afterSend, 0.5), 'ms', 'node -e 0', bare, cliGoal);
      // The first search ever: no index yet, so it loads the directory and writes the index.
      const first = [];
      for (let i = 0; i < 3; i++) {
        rmSync(join(dir, 'data', '.coord-search-index'), { force: true });
        first.push(processMedian(coordSearch(dir, 'zanzibar'), 1));
      }
      row(`coord search, no index yet (first search) ${label}`, quantile(first, 0.5), 'ms', 'node -e 0', bare);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const rows = await benchSearch(quick ? { sizes: [10_000], rounds: 3, processRuns: 3 } : {});
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'measure'.padEnd(w)}  ${'value'.padStart(10)}  unit  baseline`);
  for (const r of rows) {
    const base =
      r.baselineValue === null
        ? ''
        : `${r.baseline}: ${r.baselineValue} ${r.unit}${r.baseline === 'node -e 0' ? ` (x${(r.value / r.baselineValue).toFixed(2)})` : ''}`;
    const ratio = r.baselineValue ? r.value / r.baselineValue : null;
    const verdict = r.check ? (r.check(r.value, ratio) ? `PASS (${r.goal})` : `FAIL (${r.goal})`) : '';
    console.log(`${r.name.padEnd(w)}  ${String(r.value).padStart(10)}  ${r.unit.padEnd(4)}  ${base}  ${verdict}`);
  }
  if (rows.some((r) => r.check && !r.check(r.value, r.baselineValue ? r.value / r.baselineValue : null)))
    process.exitCode = 1;
}
