/**
 * Search over a generated 100k-message directory (generated once per suite),
 * in process (openCoordination().search) and through the CLI's fast path
 * (searchDirectory with the persisted index), which must agree.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { openCoordination, Coordination } from '../../src/core/coordination';
import { searchDirectory, searchDirectoryDetailed, searchCachePath } from '../../src/core/search/persistedIndex';
import { SearchOptions } from '../../src/core/search/searchEngine';
import { Message } from '../../src/core/common/messageTypes';
import { tempDir, copySample, REPO_ROOT } from '../support/helpers';

interface Generated {
  planted: Record<string, number[]>;
  legacy: Message[];
  lastTime: string;
}

// The generator is an ES module; load it once.
async function generate(dir: string, messages: number): Promise<Generated> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (
      u: string,
    ) => Promise<{ generateDir: (d: string, o: object) => Generated }>
  )(url);
  return mod.generateDir(dir, { messages, seed: 7 });
}

const numbers = (list: Message[]) => list.map((m) => m.number);
const sorted = (list: Array<number | null>) => [...list].sort((a, b) => (a ?? 0) - (b ?? 0));

describe('search over 100k generated messages', function () {
  this.timeout(120000);
  let dir: string;
  let info: Generated;
  let c: Coordination;

  before(async () => {
    dir = path.join(tempDir('coord-search-'), 'coordination');
    info = await generate(dir, 100_000);
    c = openCoordination({ dir, instance: 'instance-1' });
    c.warmSearchIndex();
  });

  /** Library and CLI fast path (after its first, rebuilding, call) agree. */
  function both(query: string, opts: SearchOptions = {}): Message[] {
    const lib = c.search(query, opts);
    const cli = searchDirectory(dir, 'instance-1', query, opts);
    assert.deepStrictEqual(
      cli,
      lib,
      `CLI path and library differ for ${JSON.stringify(query)} ${JSON.stringify(opts)}`,
    );
    return lib;
  }

  it('finds every match of a rare word with its real number (ranked)', () => {
    const found = both('zanzibar');
    assert.deepStrictEqual(sorted(numbers(found)), info.planted.zanzibar);
    assert.strictEqual(found[0].number, Math.max(...info.planted.zanzibar), 'the newest of equal matches ranks first');
    const one = both('quixotic');
    assert.deepStrictEqual(numbers(one), info.planted.quixotic);
    assert.ok(one[0].text.toLowerCase().includes('quixotic'));
  });

  it('builds and then uses the persisted index', () => {
    fs.rmSync(searchCachePath(dir), { force: true });
    assert.strictEqual(searchDirectoryDetailed(dir, null, 'zanzibar').source, 'rebuilt');
    assert.ok(fs.existsSync(searchCachePath(dir)));
    const again = searchDirectoryDetailed(dir, null, 'zanzibar');
    assert.strictEqual(again.source, 'cache');
    assert.deepStrictEqual(sorted(numbers(again.messages)), info.planted.zanzibar);
  });

  it('tolerates a one-letter typo and matches prefixes', () => {
    assert.deepStrictEqual(sorted(numbers(both('zanzibr'))), info.planted.zanzibar, 'a dropped letter');
    assert.deepStrictEqual(sorted(numbers(both('zanxibar'))), info.planted.zanzibar, 'a wrong letter');
    assert.deepStrictEqual(sorted(numbers(both('quixotc'))), info.planted.quixotic);
    assert.deepStrictEqual(sorted(numbers(both('kumqu'))), info.planted.kumquat, 'a prefix');
  });

  it('requires every term to match', () => {
    const found = both('kumquat ops');
    assert.deepStrictEqual(sorted(numbers(found)), info.planted.kumquat);
    assert.deepStrictEqual(both('kumquat quixotic'), []);
  });

  it('--exact: case-insensitive substring, oldest first, real numbers', () => {
    assert.deepStrictEqual(numbers(both('ZANZIBAR', { exact: true })), info.planted.zanzibar);
    assert.deepStrictEqual(numbers(both('anzib', { exact: true })), info.planted.zanzibar);
    assert.deepStrictEqual(both('zanzibr', { exact: true }), [], 'no typo tolerance in exact mode');
  });

  it('--regex: a JavaScript regular expression; an invalid one is a clear error', () => {
    assert.deepStrictEqual(
      numbers(both('zan.ibar|quix', { regex: true })),
      sorted([...info.planted.zanzibar, ...info.planted.quixotic]),
    );
    assert.deepStrictEqual(numbers(both('^\\S+ kumquat$', { regex: true })).length, 0);
    assert.throws(() => c.search('zan(ibar', { regex: true }), /invalid regular expression/);
    assert.throws(() => searchDirectory(dir, null, 'zan(ibar', { regex: true }), /invalid regular expression/);
  });

  it('--recent N keeps real numbers', () => {
    const last = info.planted.zanzibar[info.planted.zanzibar.length - 1];
    const found = both('zanzibar', { recent: 100_000 - last + 10 });
    assert.deepStrictEqual(numbers(found), [last]);
    assert.deepStrictEqual(numbers(both('zanzibar', { recent: 100_000 - last + 10, exact: true })), [last]);
    assert.deepStrictEqual(both('quixotic', { recent: 10 }), []);
  });

  it('filters: --room, --from, --to, --since/--until, --thread, --limit, combined', () => {
    assert.deepStrictEqual(sorted(numbers(both('kumquat', { room: '#ops' }))), info.planted.kumquat);
    assert.deepStrictEqual(both('kumquat', { room: 'dev' }), []);
    assert.deepStrictEqual(sorted(numbers(both('kumquat', { from: 'instance-3' }))), info.planted.kumquat);
    assert.deepStrictEqual(both('kumquat', { from: 'instance-1' }), []);
    assert.deepStrictEqual(numbers(both('xylophone', { to: '@instance-2' })), [info.planted.xylophone[1]]);
    assert.deepStrictEqual(numbers(both('xylophone', { to: 'instance-4', exact: true })), [info.planted.xylophone[0]]);
    const k = info.planted.kumquat[0];
    const time = c.getMessage(k).time;
    assert.deepStrictEqual(numbers(both('kumquat', { since: time, until: time })), [k]);
    assert.deepStrictEqual(numbers(both('kumquat', { until: time })), [k]);
    assert.deepStrictEqual(numbers(both('kumquat', { since: time, exact: true })), info.planted.kumquat);
    const limited = both('deploy', { limit: 7 });
    assert.strictEqual(limited.length, 7);
    const scan = both('deploy', { exact: true, limit: 3, room: 'ops', from: 'instance-2' });
    assert.strictEqual(scan.length, 3);
    for (const m of scan) assert.ok(m.target === '#ops' && m.from === 'instance-2' && /deploy/i.test(m.text));
    assert.ok((scan[0].number ?? 0) < (scan[2].number ?? 0), 'exact results oldest first, the newest N');
  });

  it('--thread N: a message and all its replies', () => {
    const replies = c.messages().filter((m) => typeof m.replyTo === 'number');
    const root = replies[0].replyTo as number;
    const thread = c.thread(root).map((m) => m.number);
    const words = c
      .getMessage(root)
      .text.split(/\W+/)
      .filter((w) => w.length > 3);
    const found = both(words[0], { thread: root, exact: true });
    assert.ok(found.length >= 1 && found.every((m) => thread.includes(m.number)));
    const everything = both('.', { thread: root, regex: true });
    assert.deepStrictEqual(sorted(numbers(everything)), sorted(thread));
    assert.throws(() => c.search('x', { thread: 999_999_999 }), /no message/);
  });

  it('finds legacy transcript-only messages (number null)', () => {
    const found = both('marmalade');
    assert.deepStrictEqual(found.map((m) => m.id).sort(), info.legacy.map((m) => m.id).sort());
    assert.ok(found.every((m) => m.number === null));
    assert.deepStrictEqual(
      both('marmalade', { exact: true }).map((m) => m.id),
      info.legacy.map((m) => m.id),
    );
  });

  it('searchBest: the first N of what search() answers that the instance may see, and how many in all', () => {
    const cases: Array<[string, SearchOptions]> = [
      ['instance', {}], // every message matches
      ['deploy', {}],
      ['deploy', { room: 'ops' }],
      ['zanzibar', {}],
      ['->', {}], // no words: exact
      ['deploy fail', { exact: true }],
      ['zan.ibar', { regex: true }],
      ['deploy', { limit: 30 }],
    ];
    for (const [q, opts] of cases) {
      const visible = c.search(q, opts).filter((m) => c.isVisible(m));
      const best = c.searchBest(q, opts, 200);
      const label = `${q} ${JSON.stringify(opts)}`;
      assert.strictEqual(best.total, visible.length, label);
      assert.deepStrictEqual(best.messages, visible.slice(0, 200), label);
    }
    // Another instance sees other DMs and @-messages.
    const other = openCoordination({ dir, instance: 'instance-3' });
    const visible = other.search('deploy').filter((m) => other.isVisible(m));
    assert.deepStrictEqual(other.searchBest('deploy', {}, 50), {
      total: visible.length,
      messages: visible.slice(0, 50),
    });
  });

  it('an empty query is a clear error', () => {
    assert.throws(() => c.search('   '), /query is empty/);
  });
});

describe('search index stays current', function () {
  this.timeout(60000);

  it('indexes new messages incrementally and picks up a rewritten log', async () => {
    const dir = path.join(tempDir('coord-search-inc-'), 'coordination');
    const info = await generate(dir, 2000);
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.deepStrictEqual(sorted(numbers(c.search('zanzibar'))), info.planted.zanzibar);
    const sent = await c.send('#general', 'a brand new pomegranate message');
    c.refresh();
    assert.deepStrictEqual(numbers(c.search('pomegranat')), [sent.number]);
    // The CLI path sees it too (its persisted index is stale and rebuilt).
    assert.deepStrictEqual(numbers(searchDirectory(dir, null, 'pomegranate')), [sent.number]);
    const again = await c.send('#general', 'second pomegranate');
    assert.strictEqual(
      searchDirectoryDetailed(dir, null, 'pomegranate').source,
      'delta',
      'a send only appends: the index catches up from the new bytes',
    );
    c.refresh();
    assert.deepStrictEqual(sorted(numbers(c.search('pomegranate'))), [sent.number, again.number]);
    assert.deepStrictEqual(
      numbers(c.search('POMEGRANATE', { exact: true })),
      [sent.number, again.number],
      'the exact-search text extends too',
    );
    // Rewrite the log (same length, different bytes at the end): both paths notice.
    const log = path.join(dir, 'data', 'messages.log');
    const text = fs.readFileSync(log, 'utf8').replace('second pomegranate', 'second persimmons');
    fs.writeFileSync(log, text);
    c.refresh();
    assert.deepStrictEqual(numbers(c.search('persimmons')), [again.number]);
    assert.deepStrictEqual(numbers(c.search('second persimmons', { exact: true })), [again.number]);
    assert.deepStrictEqual(numbers(searchDirectory(dir, null, 'persimmons')), [again.number]);
    // The transcript still holds the old text: it shows as a legacy message, never as the rewritten line.
    assert.ok(!numbers(searchDirectory(dir, null, 'pomegranate')).includes(again.number));
    assert.deepStrictEqual(searchDirectory(dir, null, 'pomegranate'), c.search('pomegranate'));
  });

  it('searches the legacy sample (no messages.log) in both paths', () => {
    const dir = copySample();
    const c = openCoordination({ dir });
    const found = c.search('edge cases');
    assert.ok(found.length > 0 && found.every((m) => m.number === null));
    assert.deepStrictEqual(searchDirectory(dir, null, 'edge cases'), found);
    assert.deepStrictEqual(searchDirectory(dir, null, 'edge cases'), found);
  });
});
