/**
 * The persisted index after writes: when the directory only grew, the CLI path
 * answers from the base plus a delta parsed from the new bytes, and every
 * answer equals the library's over a freshly loaded directory (same messages,
 * numbers, ids, order, scores' order). Anything the delta cannot represent
 * exactly rebuilds.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { openCoordination } from '../../src/core/coordination';
import {
  buildSearchCache,
  searchDirectoryDetailed,
  searchCachePath,
  MAX_DELTA_MESSAGES,
} from '../../src/core/search/persistedIndex';
import { SearchOptions } from '../../src/core/search/searchEngine';
import { tempDir, copySample, REPO_ROOT } from '../support/helpers';

async function generate(dir: string, messages: number): Promise<void> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (u: string) => Promise<{ generateDir: (d: string, o: object) => unknown }>
  )(url);
  mod.generateDir(dir, { messages, seed: 11 });
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A timestamp `seconds` from now, in the files' local-time format. */
function stamp(seconds = 0): string {
  const d = new Date(Date.now() + seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const QUERIES: Array<[string, SearchOptions]> = [
  ['.', { regex: true }], // every message, oldest first: the whole corpus in order
  ['pomegranate', {}],
  ['pomegranat', {}],
  ['pomegranite', {}],
  ['deploy', { limit: 15 }],
  ['deploy', {}],
  ['instance', { limit: 30 }],
  ['tangerine', {}],
  ['tangerine', { exact: true }],
  ['general', { limit: 10 }],
  ['.', { regex: true, recent: 40 }],
  ['.', { regex: true, room: 'general', limit: 20 }],
  ['.', { regex: true, to: 'instance-2', limit: 20 }],
  ['.', { regex: true, from: 'instance-3', limit: 20 }],
];

/** Every query, both ways; returns where the CLI path answered from. */
function agree(dir: string, label: string, extra: Array<[string, SearchOptions]> = []): Set<string> {
  const fresh = openCoordination({ dir });
  const sources = new Set<string>();
  for (const [q, opts] of [...QUERIES, ...extra]) {
    const lib = fresh.search(q, opts);
    const cli = searchDirectoryDetailed(dir, null, q, opts);
    sources.add(cli.source);
    assert.deepStrictEqual(cli.messages, lib, `${label}: ${JSON.stringify(q)} ${JSON.stringify(opts)}`);
  }
  return sources;
}

function assertDelta(sources: Set<string>, label: string): void {
  assert.deepStrictEqual([...sources], ['delta'], `${label}: answered from ${[...sources].join(', ')}`);
}

describe('persisted search index: deltas after writes', function () {
  this.timeout(120000);

  it('stays exact and avoids rebuilding through sends, replies, DMs, mark-read, legacy writers and a new room', async () => {
    const dir = path.join(tempDir('coord-delta-'), 'coordination');
    await generate(dir, 3000);
    assert.ok(buildSearchCache(dir));
    assert.deepStrictEqual([...agree(dir, 'fresh')], ['cache']);
    const c = openCoordination({ dir, instance: 'instance-1' });
    const c2 = openCoordination({ dir, instance: 'instance-2' });

    const first = await c.send('#general', 'a pomegranate for everyone');
    assertDelta(agree(dir, 'room send'), 'room send');
    await c.send('@instance-2', 'pomegranate juice at noon @instance-2');
    assertDelta(agree(dir, '@-message'), '@-message');
    await c.sendDm('instance-3', 'private pomegranate');
    assertDelta(agree(dir, 'dm'), 'dm');
    const reply = await c2.reply(first.number!, 'thanks for the pomegranate');
    assertDelta(agree(dir, 'reply to a new message', [['.', { regex: true, thread: first.number! }]]), 'reply');
    await c2.reply(100, 'late pomegranate reply to an old one');
    assertDelta(agree(dir, 'reply to a base message', [['.', { regex: true, thread: 100 }]]), 'reply old');
    assert.ok(reply.number! > first.number!);

    // mark-read rewrites the inbox (new inode, same blocks but STATUS): still a delta.
    c2.refresh();
    await c2.markRead('all');
    assertDelta(agree(dir, 'mark-read'), 'mark-read');

    const log = path.join(dir, 'data', 'messages.log');
    // The Python tool: a bare target, a reply to "coordination", a DM line.
    fs.appendFileSync(log, `[${stamp()}] instance-4 -> instance-2: bare tangerine target\n`);
    fs.appendFileSync(
      log,
      `[${stamp()}] instance-4 -> coordination: [REPLY to msg #${first.number}] tangerine reply\n`,
    );
    fs.appendFileSync(log, `[${stamp()}] DM: instance-4 -> instance-1: tangerine dm\n`);
    assertDelta(agree(dir, 'python lines'), 'python lines');
    // A legacy multi-line message: a continuation line joins the new message above it.
    fs.appendFileSync(log, `[${stamp()}] instance-4 -> #ops: tangerine first line\nsecond line of it pomegranate\n`);
    assertDelta(agree(dir, 'continuation'), 'continuation');
    // A bash writer: a transcript block with no log line (a legacy message, number null).
    fs.appendFileSync(
      path.join(dir, 'chatrooms', 'general.txt'),
      `[${stamp(1)}] FROM: instance-3\nID: 0badf00d\nMESSAGE: transcript-only tangerine\n---\n`,
    );
    const legacy = agree(dir, 'legacy block', [['0badf00d', { exact: true }]]);
    assertDelta(legacy, 'legacy block');
    assert.deepStrictEqual(
      openCoordination({ dir })
        .search('transcript-only')
        .map((m) => [m.number, m.id]),
      [[null, '0badf00d']],
    );
    // A new room, and a message in it.
    await c.createChatroom('orchard', 'fruit');
    await c.send('#orchard', 'pomegranate orchard');
    assertDelta(agree(dir, 'new room', [['.', { regex: true, room: 'orchard' }]]), 'new room');
  });

  it('rebuilds when the log was rewritten or the delta grew large, and after the rebuild is a plain cache again', async () => {
    const dir = path.join(tempDir('coord-delta-'), 'coordination');
    await generate(dir, 1500);
    assert.ok(buildSearchCache(dir));
    const c = openCoordination({ dir, instance: 'instance-1' });
    await c.send('#general', 'pomegranate one');
    assertDelta(agree(dir, 'send'), 'send');
    assert.ok(buildSearchCache(dir)); // the base now ends with that line
    const log = path.join(dir, 'data', 'messages.log');
    fs.writeFileSync(log, fs.readFileSync(log, 'utf8').replace('pomegranate one', 'pomegranate two'));
    assert.ok(agree(dir, 'rewritten').has('rebuilt'));
    assert.deepStrictEqual([...agree(dir, 'after rebuild')], ['cache']);
    // A delta past the limit folds into a new base.
    const lines: string[] = [];
    for (let i = 0; i < MAX_DELTA_MESSAGES + 5; i++) lines.push(`[${stamp()}] instance-2 -> #dev: bulk tangerine ${i}`);
    fs.appendFileSync(log, lines.join('\n') + '\n');
    assert.ok(agree(dir, 'large delta').has('rebuilt'));
    assert.deepStrictEqual([...agree(dir, 'after fold')], ['cache']);
  });

  it('a legacy directory (no messages.log) gets a delta after its first send', () => {
    const dir = copySample();
    assert.ok(buildSearchCache(dir));
    const c = openCoordination({ dir, instance: 'instance-1' });
    return c.send('#general', 'pomegranate in the old world').then(() => {
      assertDelta(agree(dir, 'legacy sample send', [['edge cases', {}]]), 'legacy sample');
      assert.ok(fs.existsSync(searchCachePath(dir)));
    });
  });

  it('a send never takes an id a message of the summary has (8 hex digits repeat at a million messages)', async () => {
    const dir = path.join(tempDir('coord-delta-'), 'coordination');
    await generate(dir, 300);
    assert.ok(buildSearchCache(dir));
    const c = openCoordination({ dir, instance: 'instance-1' });
    const taken = c.messages().find((m) => /^[0-9a-f]{8}$/.test(m.id))!.id;
    // Math.random's first draw is the taken id, the second a fresh one.
    const draws = [parseInt(taken, 16) / 2 ** 32, 0x0badcafe / 2 ** 32];
    const random = Math.random;
    Math.random = () => draws.shift() ?? random();
    let sent;
    try {
      sent = await c.send('#general', 'an id of its own');
    } finally {
      Math.random = random;
    }
    assert.strictEqual(sent.id, '0badcafe');
    assert.strictEqual(draws.length, 0);
  });
});
