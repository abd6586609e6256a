/**
 * `coord search` as a process on generated directories: real numbers, modes,
 * filters, typos, errors that change nothing, and (the point of the persisted
 * index's delta) a search right after `coord send` that finds the new message
 * without rebuilding; also on the legacy sample, which has no messages.log.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Message } from '../../src/core';
import { copySample, REPO_ROOT, runCoord, RunResult, snapshotTree, tempDir } from '../support/helpers';

interface Generated {
  planted: Record<string, number[]>;
  legacy: Array<{ id: string }>;
}

async function generate(dir: string, messages: number): Promise<Generated> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (
      u: string,
    ) => Promise<{ generateDir: (d: string, o: object) => Generated }>
  )(url);
  return mod.generateDir(dir, { messages, seed: 7 });
}

type Msg = Message;

function json(r: RunResult): Msg[] {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  assert.strictEqual(r.stderr, '');
  return JSON.parse(r.stdout) as Msg[];
}

const numbers = (list: Msg[]) => list.map((m) => m.number);
const sorted = (list: Array<number | null>) => [...list].sort((a, b) => (a ?? 0) - (b ?? 0));
const indexFile = (dir: string) => path.join(dir, 'data', '.coord-search-index');

describe('coord search (as a process)', function () {
  this.timeout(120000);
  let dir: string;
  let info: Generated;
  const search = (args: string[]) => json(runCoord(['search', ...args, '--json'], { dir }));

  before(async () => {
    dir = path.join(tempDir('coord-cli-search-'), 'coordination');
    info = await generate(dir, 10_000);
  });

  it('the first search builds the index beside the data; a rare word finds every match with its real number', () => {
    assert.ok(!fs.existsSync(indexFile(dir)));
    const found = search(['zanzibar']);
    assert.ok(fs.existsSync(indexFile(dir)));
    assert.deepStrictEqual(sorted(numbers(found)), info.planted.zanzibar);
    assert.strictEqual(found[0].number, Math.max(...info.planted.zanzibar), 'newest of equal matches first');
    const log = fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8').split('\n');
    for (const m of found)
      assert.ok(log[m.number! - 1].includes(m.text), `message ${m.number} is line ${m.number} of the log`);
    // The human output shows the same numbers.
    const text = runCoord(['search', 'zanzibar'], { dir });
    assert.strictEqual(text.code, 0);
    for (const n of info.planted.zanzibar) assert.match(text.stdout, new RegExp(`\\[${n}\\]`));
    assert.match(text.stdout, new RegExp(`\\(${info.planted.zanzibar.length} match`));
  });

  it('--recent N keeps the real numbers', () => {
    const last = Math.max(...info.planted.zanzibar);
    const lines = fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8').split('\n').length - 1;
    assert.deepStrictEqual(numbers(search(['zanzibar', '--recent', String(lines - last + 1)])), [last]);
    assert.deepStrictEqual(numbers(search(['zanzibar', '--exact', '--recent', String(lines - last + 1)])), [last]);
  });

  it('tolerates a one-letter typo, matches prefixes, requires every word', () => {
    assert.deepStrictEqual(sorted(numbers(search(['zanzibr']))), info.planted.zanzibar);
    assert.deepStrictEqual(sorted(numbers(search(['zanxibar']))), info.planted.zanzibar);
    assert.deepStrictEqual(sorted(numbers(search(['kumqu']))), info.planted.kumquat);
    assert.deepStrictEqual(search(['kumquat', 'quixotic']), []);
    assert.deepStrictEqual(search(['zanzibr', '--exact']), []);
  });

  it('--regex finds by pattern; an invalid one is one line on stderr, exit 1, and no file written', () => {
    assert.deepStrictEqual(
      numbers(search(['zan.ibar|quixot', '--regex'])),
      sorted([...info.planted.zanzibar, ...info.planted.quixotic]),
    );
    fs.rmSync(indexFile(dir));
    const before = snapshotTree(dir);
    const r = runCoord(['search', 'zan(ibar', '--regex'], { dir });
    // Exit codes (README): 2 usage, 1 other bad input a user can cause, 3 I/O.
    assert.strictEqual(r.code, 1, r.stderr);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /invalid regular expression/);
    assert.deepStrictEqual(snapshotTree(dir), before, 'a failed search changes nothing, not even the index');
    search(['zanzibar']); // rebuild for the next tests
  });

  it('filters: --room, --from, --to, --since/--until, --thread, --limit', () => {
    assert.deepStrictEqual(sorted(numbers(search(['kumquat', '--room', '#ops']))), info.planted.kumquat);
    assert.deepStrictEqual(search(['kumquat', '--room', 'dev']), []);
    assert.deepStrictEqual(sorted(numbers(search(['kumquat', '--from', 'instance-3']))), info.planted.kumquat);
    assert.deepStrictEqual(search(['kumquat', '--from', 'instance-1']), []);
    const x = search(['xylophone']);
    assert.deepStrictEqual(sorted(numbers(x)), info.planted.xylophone);
    for (const m of x) {
      assert.ok(m.target.startsWith('@'));
      assert.deepStrictEqual(numbers(search(['xylophone', '--to', m.target])), [m.number]);
    }
    const k = search(['kumquat']).find((m) => m.number === info.planted.kumquat[0])!;
    assert.deepStrictEqual(numbers(search(['kumquat', '--since', k.time, '--until', k.time])), [k.number]);
    assert.strictEqual(search(['deploy', '--limit', '5']).length, 5);
    const scan = search(['deploy', '--exact', '--limit', '3', '--room', 'ops']);
    assert.strictEqual(scan.length, 3);
    assert.ok(scan.every((m) => m.target === '#ops' && /deploy/i.test(m.text)));
    const lines = fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8').split('\n');
    const at = lines.findIndex((l) => /\[REPLY to msg #\d+/.test(l));
    const parent = Number(/\[REPLY to msg #(\d+)/.exec(lines[at])![1]);
    const thread = search(['.', '--regex', '--thread', String(parent)]);
    assert.ok(
      numbers(thread).includes(at + 1) && numbers(thread).includes(parent),
      `thread of ${parent} holds ${at + 1}`,
    );
    const bad = runCoord(['search', 'x', '--since', 'yesterdayish'], { dir });
    assert.strictEqual(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /^coord: error: --since 'yesterdayish' is not a time/);
  });

  it('finds a message right after `coord send`, from the index plus the appended bytes (no rebuild)', () => {
    search(['zanzibar']); // the index is current
    const stamp = () => fs.statSync(indexFile(dir)).mtimeMs;
    const built = stamp();
    const sent = JSON.parse(
      runCoord(['send', '#general', 'a pomegranate for the team', '--json'], { dir, as: 'instance-1' }).stdout,
    ) as Msg;
    assert.deepStrictEqual(search(['pomegranate']), [sent]);
    assert.deepStrictEqual(search(['pomegranat']), [sent], 'prefix over the delta');
    assert.deepStrictEqual(search(['pomegranite']), [sent], 'typo over the delta');
    assert.deepStrictEqual(numbers(search(['pomegranate', '--exact'])), [sent.number]);
    const dm = JSON.parse(
      runCoord(['send-dm', 'instance-3', 'pomegranate secrets', '--json'], { dir, as: 'instance-2' }).stdout,
    ) as Msg;
    const reply = JSON.parse(
      runCoord(['reply', String(sent.number), 'pomegranate thanks', '--json'], { dir, as: 'instance-4' }).stdout,
    ) as Msg;
    assert.deepStrictEqual(sorted(numbers(search(['pomegranate']))), [sent.number, dm.number, reply.number]);
    assert.deepStrictEqual(numbers(search(['pomegranate', '--to', 'instance-3'])), [dm.number]);
    assert.deepStrictEqual(numbers(search(['.', '--regex', '--thread', String(sent.number)])), [
      sent.number,
      reply.number,
    ]);
    assert.deepStrictEqual(numbers(search(['pomegranate', '--recent', '1'])), [reply.number]);
    assert.strictEqual(stamp(), built, 'the base index was not rewritten');
  });

  it('legacy transcript-only messages are found, also after a send into a directory with no messages.log', () => {
    const sample = copySample();
    const before = json(runCoord(['search', 'edge', 'cases', '--json'], { dir: sample }));
    assert.ok(before.length > 0 && before.every((m) => m.number === null));
    const sent = JSON.parse(
      runCoord(['send', '#general', 'kiwi from the new tool', '--json'], { dir: sample, as: 'instance-1' }).stdout,
    ) as Msg;
    assert.strictEqual(sent.number, 1);
    assert.deepStrictEqual(json(runCoord(['search', 'kiwi', '--json'], { dir: sample })), [sent]);
    assert.deepStrictEqual(json(runCoord(['search', 'edge', 'cases', '--json'], { dir: sample })), before);
    // Generated legacy messages too.
    const legacy = search(['marmalade']);
    assert.deepStrictEqual(legacy.map((m) => m.id).sort(), info.legacy.map((m) => m.id).sort());
    assert.ok(legacy.every((m) => m.number === null));
  });
});

describe('coord search over 100k messages (as a process)', function () {
  this.timeout(120000);

  it('answers right after a send without rebuilding, and agrees with a fresh build', async () => {
    const dir = path.join(tempDir('coord-cli-search-100k-'), 'coordination');
    const info = await generate(dir, 100_000);
    const first = json(runCoord(['search', 'zanzibar', '--json'], { dir }));
    assert.deepStrictEqual(sorted(numbers(first)), info.planted.zanzibar);
    const built = fs.statSync(indexFile(dir)).mtimeMs;
    const sent = JSON.parse(
      runCoord(['send', '#ops', 'zanzibar again', '--json'], { dir, as: 'instance-2' }).stdout,
    ) as Msg;
    const t = performance.now();
    const after = json(runCoord(['search', 'zanzibar', '--json'], { dir }));
    const ms = performance.now() - t;
    assert.deepStrictEqual(after[0], sent, 'the newest equal match first');
    assert.deepStrictEqual(sorted(numbers(after)), [...info.planted.zanzibar, sent.number]);
    assert.strictEqual(fs.statSync(indexFile(dir)).mtimeMs, built, 'answered from the index plus the delta');
    assert.ok(ms < 2000, `search after a send took ${ms.toFixed(0)} ms`);
    const deploy = json(runCoord(['search', 'deploy', 'failing', '--limit', '20', '--json'], { dir }));
    fs.rmSync(indexFile(dir));
    assert.deepStrictEqual(
      json(runCoord(['search', 'deploy', 'failing', '--limit', '20', '--json'], { dir })),
      deploy,
      'same answer as a fresh build',
    );
  });
});
