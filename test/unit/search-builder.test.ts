/**
 * The persisted index built straight from the files (indexBuilder.ts, the
 * CLI's first search) equals, byte for byte, the one written from a loaded
 * DirectoryStore (writeSearchCache): on generated directories, on the legacy
 * sample, and on directories full of the quirks the store handles (CRLF and
 * lone CR lines, continuation and orphan lines, a torn last line, invalid
 * UTF-8, Python replies to "coordination", bare targets, legacy blocks, odd
 * ids, replies by id, glued and CRLF transcripts, transcripts read in
 * pieces, texts whose case does not map letter for letter). Every row read
 * back equals the store's message; the tokenizer fast path equals
 * fieldTerms.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from '../../src/core/disk/layout';
import { DirectoryStore, toMessage } from '../../src/core/read/store';
import { stampSources } from '../../src/core/read/sources';
import { buildIndex, workerTexts } from '../../src/core/search/indexBuilder';
import { LogState } from '../../src/core/search/indexFormat';
import { openCacheFile } from '../../src/core/search/indexReader';
import { writeSearchCache, writeTemporary } from '../../src/core/search/indexWriter';
import { searchIndexFor } from '../../src/core/search/memoryIndex';
import { fieldTerms } from '../../src/core/search/ranking';
import { runSearch } from '../../src/core/search/searchEngine';
import { TermCounter } from '../../src/core/search/termCounter';
import { timestampToMillis } from '../../src/core/common/time';
import { copySample, generateDirectory, tempDir } from '../support/helpers';

const LOG: LogState = { size: 1, tail: '', lines: 0, endsCR: false, partial: false, ino: 1, mtimeMs: 1, head: '' };

/** The index of `dir` written both ways: [from the files, from a loaded store]. */
function bothWays(dir: string): [Buffer, Buffer, DirectoryStore] {
  const layout = new Layout(dir);
  const files = stampSources(layout);
  const tmp = writeTemporary(path.join(tempDir('coord-built-'), 'index'), (fd) => buildIndex(layout, fd, LOG, files));
  const store = new DirectoryStore(dir);
  store.refresh();
  writeSearchCache(layout, store, searchIndexFor(store), LOG, files);
  return [fs.readFileSync(tmp), fs.readFileSync(layout.searchIndex), store];
}

/** Both ways agree, and every row read back is the store's message. */
function agree(dir: string, label: string): void {
  const [built, loaded, store] = bothWays(dir);
  assert.ok(built.equals(loaded), `${label}: the two index files differ`);
  const corpus = openCacheFile(new Layout(dir).searchIndex)!;
  try {
    const all = store.allMessages();
    const index = searchIndexFor(store);
    assert.strictEqual(corpus.count, all.length, label);
    all.forEach((m, i) => {
      assert.deepStrictEqual(corpus.message(i), toMessage(m), `${label}: row ${i}`);
      assert.strictEqual(corpus.parent(i), index.parent(i), `${label}: parent of row ${i}`);
    });
    for (const [q, opts] of [
      ['.', { regex: true }],
      ['ünïcode', {}],
      ['straße', { exact: true }],
      ['deploy', { limit: 5 }],
      ['instance', {}],
    ] as const)
      assert.deepStrictEqual(runSearch(corpus, q, opts), runSearch(index, q, opts), `${label}: ${q}`);
  } finally {
    corpus.close();
  }
  readBackwards(dir, store, label);
}

/** Rows read newest first, all and then every seventh (the summary's read windows go either way), and their times. */
function readBackwards(dir: string, store: DirectoryStore, label: string): void {
  const all = store.allMessages();
  for (const step of [1, 7]) {
    const corpus = openCacheFile(new Layout(dir).searchIndex)!;
    try {
      for (let i = all.length - 1; i >= 0; i -= step) {
        assert.deepStrictEqual(corpus.message(i), toMessage(all[i]), `${label}: row ${i} read backwards`);
        const ms = corpus.timeMillis(i);
        assert.ok(Object.is(ms, timestampToMillis(all[i].time)), `${label}: time of row ${i} in ms`);
      }
    } finally {
      corpus.close();
    }
  }
}

const block = (time: string, from: string, id: string | null, text: string, status = '') =>
  `[${time}] FROM: ${from}\n${id === null ? '' : `ID: ${id}\n`}MESSAGE: ${text}\n${status}---\n`;

describe('persisted index built from the files', function () {
  this.timeout(120000);

  it('equals the one written from a loaded store on generated directories', async () => {
    for (const [messages, seed] of [
      [3000, 11],
      [20000, 5],
    ]) {
      const dir = path.join(tempDir('coord-built-'), 'coordination');
      await generateDirectory(dir, messages, seed);
      agree(dir, `generated ${messages}`);
    }
  });

  it('equals it on the legacy sample (no messages.log)', () => {
    agree(copySample(), 'legacy sample');
  });

  it('equals it on a directory of quirks', async () => {
    const dir = path.join(tempDir('coord-built-'), 'coordination');
    await generateDirectory(dir, 500, 3);
    const log = path.join(dir, 'data', 'messages.log');
    const general = path.join(dir, 'chatrooms', 'general.txt');
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const t = (s: number) => `2030-01-01 00:00:${String(s).padStart(2, '0')}`;
    // An orphan first line, CRLF and lone CR line ends, continuation lines, invalid UTF-8, a torn last line.
    const quirks = [
      'a first line that continues nothing',
      ...lines.slice(0, 200),
      `[${t(1)}] instance-1 -> #general: crlf line İstanbul ΣΑΣ straße\r`,
      `[${t(2)}] instance-2 -> #ops: lone cr\r[${t(3)}] instance-3 -> #ops: after the lone cr`,
      `[${t(4)}] instance-4 -> #dev: first line of a spilled message`,
      'the spilled second line',
      '',
      `[${t(5)}] instance-1 -> instance-2: a bare target`,
      `[${t(6)}] instance-2 -> coordination: [REPLY to msg #205] python reply to coordination`,
      `[${t(7)}] instance-3 -> #general: [REPLY to ID 0badf00d from instance-1] reply by id`,
      `[${t(8)}] instance-3 -> #general: [REPLY to msg #99999] reply to a later line`,
      `[${t(9)}] DM: instance-4 -> instance-1: ✓ ünïcode Ωmega 😀 \\!`,
      `[${t(10)}] instance-1 -> #general: \u2060escaped\\nnewline and K (kelvin) and ǅ`,
      ...lines.slice(200, -1),
    ];
    fs.writeFileSync(
      log,
      Buffer.concat([
        Buffer.from(quirks.join('\n') + '\n'),
        Buffer.from([0x5b, 0xff, 0xfe, 0x0a]),
        Buffer.from(`[${t(11)}] instance-2 -> #general: torn last line`),
      ]),
    );
    // Legacy blocks (one with an id another file repeats, one with an odd id), a glued block, CRLF.
    fs.appendFileSync(
      general,
      block(t(20), 'instance-3', '0badf00d', 'legacy parent ünïcode') +
        block(t(21), 'instance-4', 'not-hex!', 'odd id') +
        block(t(1), 'instance-1', 'c0ffee00', 'crlf line İstanbul ΣΑΣ straße') +
        `[${t(22)}] FROM: instance-2\nID: 1234abcd\nMESSAGE: glued\nSTATUS: read[${t(23)}] FROM: instance-1\nID: 22334455\nMESSAGE: after glue\n---\n`,
    );
    fs.appendFileSync(
      path.join(dir, 'inboxes', 'instance-2.txt'),
      block(t(20), 'instance-3', '0badf00d', 'legacy parent ünïcode', 'STATUS: unread\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'chatrooms', 'crlf.txt'),
      (block(t(30), 'instance-1', 'aaaa0001', 'crlf block') + block(t(31), 'instance-2', null, 'no id')).replace(
        /\n/g,
        '\r\n',
      ),
    );
    agree(dir, 'quirks');
    // The quirks are there: legacy rows with their ids, a reply by id resolved to one, an odd id.
    const store = new DirectoryStore(dir);
    store.refresh();
    const all = store.allMessages();
    const legacy = all.filter((m) => m.number === null).map((m) => m.id);
    assert.ok(legacy.includes('0badf00d') && legacy.includes('not-hex!') && legacy.includes('22334455'), `${legacy}`);
    const byId = all.find((m) => m.text === 'reply by id')!;
    assert.strictEqual(store.messageByRef(byId.replyTo!)?.id, '0badf00d');
    assert.ok(
      all.some((m) => m.id === 'c0ffee00' && m.number !== null),
      'a CRLF log line took its block id',
    );
  });

  it('equals it when transcripts are read in pieces (files over 64 KiB, CRLF ones too)', async () => {
    const dir = path.join(tempDir('coord-built-'), 'coordination');
    await generateDirectory(dir, 6000, 9);
    const ops = path.join(dir, 'chatrooms', 'ops.txt');
    fs.writeFileSync(ops, fs.readFileSync(ops, 'utf8').replace(/\n/g, '\r\n'));
    assert.ok(fs.statSync(ops).size > 1 << 16);
    agree(dir, 'pieces');
  });

  it('writes the same file when the texts are indexed in a worker', async () => {
    const dir = path.join(tempDir('coord-built-'), 'coordination');
    await generateDirectory(dir, 8000, 13);
    const layout = new Layout(dir);
    const files = stampSources(layout);
    const out = tempDir('coord-built-');
    const here = writeTemporary(path.join(out, 'here'), (fd) => buildIndex(layout, fd, LOG, files));
    const there = writeTemporary(path.join(out, 'there'), (fd) => {
      const texts = workerTexts(fd);
      assert.ok(texts, 'a worker started');
      buildIndex(layout, fd, LOG, files, texts);
    });
    assert.ok(fs.readFileSync(here).equals(fs.readFileSync(there)));
  });

  it('counts terms as fieldTerms does', () => {
    const counter = new TermCounter();
    const samples = [
      '',
      ',',
      'a,',
      ',a',
      'a  b',
      'Deploy deploy DEPLOY',
      'x\ty',
      'a$b+c<d>e^f`g|h~i=j',
      "don't stop-the_line (now) [ok] {x} @me #room \\path",
      'ΣΑΣ σας',
      'İstanbul straße',
      '😀 emoji, 😀!',
      'ünïcode\u00a0nbsp\u2028sep',
      '\u2060escaped mark',
      'instance-1',
      '#general',
    ];
    for (const s of samples) {
      const expected = fieldTerms(s);
      const length = counter.count(s);
      assert.strictEqual(length, expected.length, JSON.stringify(s));
      assert.deepStrictEqual(
        new Map(counter.found.map((t) => [counter.terms[t], counter.tf[t]])),
        expected.freq,
        JSON.stringify(s),
      );
    }
  });
});
