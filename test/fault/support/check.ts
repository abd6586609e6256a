/** Whole-directory consistency checks shared by the fault suites. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../../support/helpers';

export const core = require(path.join(REPO_ROOT, 'dist', 'core.js')) as typeof import('../../../src/core');

/** Lines as Python counts them (universal newlines); a final line without terminator counts. */
export function pythonLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const LOG_LINE =
  /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] (DM: )?[A-Za-z0-9_][A-Za-z0-9._-]* -> [#@]?[A-Za-z0-9_][A-Za-z0-9._-]*: \S/;

export interface Ack {
  number: number;
  id: string;
  text: string;
  target: string;
}

export interface CheckReport {
  lines: number;
  acked: number;
}

/**
 * After a crash storm: every log line is a whole message line, the file ends
 * with a newline, every acknowledged message is at its number exactly once,
 * no text is there twice, the library reads the same count with and without
 * its checkpoint, every transcript is whole blocks, and nothing came from a
 * transcript that the log does not have.
 */
export function checkDirectory(dir: string, acks: Ack[]): CheckReport {
  const raw = fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8');
  const lines = pythonLines(raw);
  assert.ok(raw === '' || raw.endsWith('\n'), `messages.log ends with a torn line: ${JSON.stringify(raw.slice(-120))}`);
  lines.forEach((line, i) =>
    assert.match(line, LOG_LINE, `messages.log line ${i + 1} is not a whole message line: ${JSON.stringify(line)}`),
  );

  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const key = line.replace(/^\[[^\]]*\] /, '');
    assert.ok(!seen.has(key), `line ${i + 1} repeats line ${seen.get(key)}: ${line}`);
    seen.set(key, i + 1);
  });

  const c = core.openCoordination({ dir, instance: 'checker' });
  const messages = c.messages();
  const numbered = messages.filter((m) => m.number !== null);
  assert.strictEqual(numbered.length, lines.length, 'the library sees one numbered message per log line');
  numbered.forEach((m, i) => assert.strictEqual(m.number, i + 1, 'numbers are the line numbers, each once'));
  const legacy = messages.filter((m) => m.number === null);
  assert.deepStrictEqual(
    legacy.map((m) => m.text),
    [],
    'every transcript block matches a log line (no message only half-written)',
  );

  const byNumber = new Map(numbered.map((m) => [m.number as number, m]));
  const ackNumbers = new Set<number>();
  for (const ack of acks) {
    assert.ok(!ackNumbers.has(ack.number), `number ${ack.number} acknowledged twice`);
    ackNumbers.add(ack.number);
    const m = byNumber.get(ack.number);
    assert.ok(m, `acknowledged message ${ack.number} is missing`);
    assert.strictEqual(m.text, ack.text, `message ${ack.number} holds another text`);
    assert.strictEqual(m.target, ack.target);
  }

  // The checkpoint must agree with a count from scratch.
  const status = c.systemStatus();
  assert.strictEqual(status.totalMessages, lines.length);
  const checkpoint = path.join(dir, 'data', '.coord-log-index.json');
  if (fs.existsSync(checkpoint)) {
    const saved = fs.readFileSync(checkpoint);
    fs.rmSync(checkpoint);
    assert.strictEqual(
      core.openCoordination({ dir }).systemStatus().totalMessages,
      lines.length,
      'count without the checkpoint',
    );
    fs.writeFileSync(checkpoint, saved, { mode: 0o600 });
  }

  for (const sub of ['chatrooms', 'inboxes', 'dms']) {
    const subdir = path.join(dir, sub);
    if (!fs.existsSync(subdir)) continue;
    for (const name of fs.readdirSync(subdir)) {
      const text = fs.readFileSync(path.join(subdir, name), 'utf8');
      if (text === '') continue;
      assert.ok(text.endsWith('\n'), `${sub}/${name} ends with a torn block`);
      if (name.startsWith('dm_')) continue; // one line per message, checked by the library above
      const lastLines = text.trimEnd().split('\n');
      const last = lastLines[lastLines.length - 1];
      assert.ok(last === '---' || /SYSTEM:|CHATROOM CREATED/.test(last), `${sub}/${name} ends inside a block: ${last}`);
    }
  }
  for (const line of fs
    .readFileSync(path.join(dir, 'data', 'action-log.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    assert.match(line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \S+ \| [A-Z_]+ \| /, `action-log line torn: ${line}`);
  }
  return { lines: lines.length, acked: acks.length };
}
