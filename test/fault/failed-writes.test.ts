/**
 * A write that fails creates nothing (not even the writer's read-status file,
 * which would make it a known instance), a message write torn between its log
 * line and its copies is completed by the next writer, and the temporary files
 * of atomic writes a killed writer left are removed. Real processes.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from '../../src/core/disk/layout';
import { formatActionLine } from '../../src/core/formats/actionLog';
import { formatLogLine } from '../../src/core/formats/messagesLog';
import { appendLogLine, OutgoingMessage, scanBeforeAppend, transcriptCopies } from '../../src/core/write/messageWrites';
import { recordIntent } from '../../src/core/write/writeIntent';
import { freshDir, runCoord, snapshotTree, tempDir } from '../support/helpers';
import { core } from './support/check';
import { NOBODY, nobodyCli } from './support/nobody';

/**
 * What a writer killed right after a message's log line leaves, made by the
 * write path's own steps: the record of its copies, then its log line.
 */
function tornAfterLogLine(dir: string, text: string, id: string): { line: string; block: string; action: string } {
  const layout = new Layout(dir);
  const time = '2026-01-01 10:00:00';
  const input: OutgoingMessage = { from: 'instance-1', target: '#general', dm: false, text, replyTo: null };
  const line = formatLogLine({ ...input, time });
  const copies = transcriptCopies(layout, input, time, id);
  const action = formatActionLine({ time, instance: 'instance-1', action: 'SEND_MESSAGE', details: `ID: ${id}` });
  const before = scanBeforeAppend(layout);
  const record = recordIntent(layout, line, [...copies, { file: layout.actionLog, text: action }], before.size);
  assert.ok(record);
  record.close();
  appendLogLine(layout, line, before);
  return { line, block: copies[0].text, action };
}

/**
 * What a send leaves when killed right after its log line: an older coord's
 * record of its copies (a transcript block and an action line), and the log
 * line. The two files the copies go to.
 */
function killedAfterLogLine(dir: string, line: string, block: string, action: string) {
  const general = path.join(dir, 'chatrooms', 'general.txt');
  const actionLog = path.join(dir, 'data', 'action-log.txt');
  fs.writeFileSync(
    path.join(dir, 'data', '.coord-write-intent.json'),
    JSON.stringify({
      log: { line, sizeBefore: 0 },
      appends: [
        { file: general, text: block, sizeBefore: fs.statSync(general).size },
        { file: actionLog, text: action, sizeBefore: fs.statSync(actionLog).size },
      ],
    }),
  );
  fs.appendFileSync(path.join(dir, 'data', 'messages.log'), `${line}\n`);
  return { general, actionLog };
}

function intentRecord(dir: string): Buffer {
  return fs.readFileSync(path.join(dir, 'data', '.coord-write-intent'));
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('failed and torn writes leave nothing behind (real processes)', function () {
  this.timeout(60000);

  it('a send refused with EACCES creates no read-status file and changes nothing', function () {
    const nobody = nobodyCli(this);
    const dir = path.join(nobody.parent, 'coordination');
    assert.strictEqual(runCoord(['init', dir]).code, 0);
    // Everything the user's own: only messages.log is read-only.
    const walk = (p: string) => {
      fs.chownSync(p, NOBODY, NOBODY);
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(dir);
    fs.chmodSync(path.join(dir, 'data', 'messages.log'), 0o400);
    const before = snapshotTree(dir);
    const r = nobody.run(dir, 'instance-9', ['send', '#general', 'refused']);
    assert.strictEqual(r.code, 3, r.stderr);
    assert.match(r.stderr, /^coord: error: .*permission denied/);
    assert.ok(!fs.existsSync(path.join(dir, 'read-status', 'instance-9.txt')), 'the refused writer became known');
    assert.deepStrictEqual(snapshotTree(dir), before);
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')));
  });

  it('a message torn between its log line and its copies is completed by the next writer', () => {
    const dir = freshDir();
    // What `coord send '#general' torn` leaves when killed right after its log line (it recorded its copies first).
    const line = '[2026-01-01 10:00:00] instance-1 -> #general: torn';
    const block = '[2026-01-01 10:00:00] FROM: instance-1\nID: 0badc0de\nMESSAGE: torn\n---\n';
    const action = '[2026-01-01 10:00:00] instance-1: SEND_MESSAGE - To: #general | ID: 0badc0de\n';
    const { general, actionLog } = killedAfterLogLine(dir, line, block, action);
    const r = runCoord(['--json', 'send', '#general', 'next'], { dir, as: 'instance-2' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).number, 2);
    assert.ok(fs.readFileSync(general, 'utf8').includes(block), 'the torn message got its transcript block');
    assert.ok(fs.readFileSync(actionLog, 'utf8').includes(action));
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord-write-intent.json')));
    const shown = JSON.parse(runCoord(['--json', 'check-chatroom', 'general'], { dir, as: 'instance-2' }).stdout);
    assert.deepStrictEqual(
      shown.map((m: { number: number; id: string }) => [m.number, m.id]),
      [
        [1, '0badc0de'],
        [2, JSON.parse(r.stdout).id],
      ],
    );
  });

  it('copies cut short by a kill are completed from where they stopped, leaving no torn line', () => {
    const dir = freshDir();
    // A write can stop between pages when its writer is killed: each copy here stopped part way.
    const line = '[2026-01-01 10:00:00] instance-1 -> #general: cut short';
    const block = '[2026-01-01 10:00:00] FROM: instance-1\nID: 0badc0de\nMESSAGE: cut short\n---\n';
    const action = '[2026-01-01 10:00:00] instance-1 | SEND_MESSAGE | To: #general | ID: 0badc0de\n';
    const generalBefore = fs.readFileSync(path.join(dir, 'chatrooms', 'general.txt'), 'utf8');
    const actionBefore = fs.readFileSync(path.join(dir, 'data', 'action-log.txt'), 'utf8');
    const { general, actionLog } = killedAfterLogLine(dir, line, block, action);
    fs.appendFileSync(general, block.slice(0, 45));
    fs.appendFileSync(actionLog, action.slice(0, 47));
    const r = runCoord(['--json', 'send', '#general', 'next'], { dir, as: 'instance-2' });
    assert.strictEqual(r.code, 0, r.stderr);
    const transcript = fs.readFileSync(general, 'utf8');
    assert.ok(transcript.startsWith(generalBefore + block), `the block completed in place:\n${transcript}`);
    assert.ok(transcript.slice(generalBefore.length + block.length).startsWith('['), 'the next block follows it');
    const actions = fs.readFileSync(actionLog, 'utf8');
    assert.ok(actions.startsWith(actionBefore + action), `the action line completed in place:\n${actions}`);
    for (const entry of actions.split('\n').filter(Boolean))
      assert.match(entry, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \S+ \| [A-Z_]+ \| /, 'a torn action line');
    const shown = JSON.parse(runCoord(['--json', 'check-chatroom', 'general'], { dir, as: 'instance-2' }).stdout);
    assert.deepStrictEqual(
      shown.map((m: { id: string; text: string }) => [m.id, m.text]),
      [
        ['0badc0de', 'cut short'],
        [JSON.parse(r.stdout).id, 'next'],
      ],
    );
  });

  it('a message torn after its log line (its record overwritten in place) is completed by the next writer', () => {
    const dir = freshDir();
    // An earlier, longer message's record stays behind the torn one's in the file: it must not be read into it.
    const first = runCoord(['--json', 'send', '#general', `first ${'long text '.repeat(40)}`], {
      dir,
      as: 'instance-2',
    });
    assert.strictEqual(first.code, 0, first.stderr);
    const earlier = intentRecord(dir);
    assert.strictEqual(earlier.subarray(0, 1).toString(), 'D', 'a landed message leaves its record done');
    const { block, action } = tornAfterLogLine(dir, 'torn', '0badc0de');
    assert.strictEqual(intentRecord(dir).subarray(0, 1).toString(), 'P');
    assert.strictEqual(intentRecord(dir).length, earlier.length, 'rewritten in place, the longer record behind it');
    const general = path.join(dir, 'chatrooms', 'general.txt');
    const actionLog = path.join(dir, 'data', 'action-log.txt');
    assert.ok(!fs.readFileSync(general, 'utf8').includes(block));

    const r = runCoord(['--json', 'send', '#general', 'next'], { dir, as: 'instance-2' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).number, 3);
    const transcript = fs.readFileSync(general, 'utf8');
    assert.strictEqual(transcript.split(block).length, 2, 'the torn message got its transcript block, once');
    assert.ok(transcript.indexOf(block) < transcript.indexOf('MESSAGE: next'), 'in its place, before the next');
    assert.strictEqual(fs.readFileSync(actionLog, 'utf8').split(action).length, 2);
    assert.strictEqual(intentRecord(dir).subarray(0, 1).toString(), 'D');
    const shown = JSON.parse(runCoord(['--json', 'check-chatroom', 'general'], { dir, as: 'instance-2' }).stdout);
    assert.deepStrictEqual(
      shown.map((m: { number: number; id: string }) => [m.number, m.id]),
      [
        [1, JSON.parse(first.stdout).id],
        [2, '0badc0de'],
        [3, JSON.parse(r.stdout).id],
      ],
    );
    // Completed once: a later writer finds nothing to do.
    assert.strictEqual(runCoord(['send', '#general', 'later'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(fs.readFileSync(general, 'utf8').split(block).length, 2);
  });

  it('a long-lived writer completes a torn write it finds when it next takes the lock', async () => {
    const dir = freshDir();
    const c = core.openCoordination({ dir, instance: 'instance-2' });
    assert.strictEqual((await c.send('#general', 'first')).number, 1);
    await new Promise((resolve) => setImmediate(resolve)); // its lease of the lock ends
    const { block } = tornAfterLogLine(dir, 'torn while the other was idle', '5ca1ab1e');
    assert.strictEqual((await c.send('#general', 'next')).number, 3);
    const transcript = fs.readFileSync(path.join(dir, 'chatrooms', 'general.txt'), 'utf8');
    assert.strictEqual(transcript.split(block).length, 2, 'the torn message got its transcript block, once');
    assert.strictEqual(intentRecord(dir).subarray(0, 1).toString(), 'D');
  });

  it('a record cut short (a writer killed while writing it, before its log line) completes nothing', () => {
    const dir = freshDir();
    const { line, block } = tornAfterLogLine(dir, 'cut short', '0ddba11a');
    const log = path.join(dir, 'data', 'messages.log');
    // Its log line never came: the kill came while the record was written.
    fs.truncateSync(log, fs.statSync(log).size - Buffer.byteLength(`${line}\n`));
    const record = path.join(dir, 'data', '.coord-write-intent');
    fs.truncateSync(record, Math.floor(fs.statSync(record).size / 2));
    const r = runCoord(['--json', 'send', '#general', 'next'], { dir, as: 'instance-2' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).number, 1);
    assert.ok(!fs.readFileSync(path.join(dir, 'chatrooms', 'general.txt'), 'utf8').includes(block));
    assert.strictEqual(intentRecord(dir).subarray(0, 1).toString(), 'D');
  });

  it('a record cut short over the bytes of a longer earlier one reads as no record (its seal is missing)', () => {
    const dir = freshDir();
    const first = runCoord(['send', '#general', `first ${'long text '.repeat(40)}`], { dir, as: 'instance-2' });
    assert.strictEqual(first.code, 0, first.stderr);
    const record = path.join(dir, 'data', '.coord-write-intent');
    const earlier = fs.readFileSync(record);
    const { block } = tornAfterLogLine(dir, 'torn in its record', '0ddba11b');
    // Its record reached the file up to its seal (the kill came just before), over the earlier record; the
    // JSON is whole and its log line is there anyway, so only the missing seal tells the record is not.
    const whole = fs.readFileSync(record);
    const header = /^P coord-write-intent \d+ (\d+) [0-9a-f]+\n/.exec(whole.toString('latin1'))!;
    const k = header[0].length + Number(header[1]);
    assert.ok(earlier.length > header[0].length + Number(header[1]) + 9, 'the earlier record is the longer');
    const cut = Buffer.concat([whole.subarray(0, k), earlier.subarray(k)]);
    fs.writeFileSync(record, cut);
    const r = runCoord(['--json', 'send', '#general', 'next'], { dir, as: 'instance-2' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).number, 3);
    assert.ok(!fs.readFileSync(path.join(dir, 'chatrooms', 'general.txt'), 'utf8').includes(block));
    assert.strictEqual(intentRecord(dir).subarray(0, 1).toString(), 'D');
  });

  it('a send that fails after its log line leaves every file as it was, its write record included', () => {
    const dir = freshDir();
    assert.strictEqual(runCoord(['send', '#general', 'first'], { dir, as: 'instance-1' }).code, 0);
    const before = snapshotTree(dir);
    assert.ok(before.has('data/.coord-write-intent'));
    // The transcript is refused (a link) only after the record and the log line were written.
    const general = path.join(dir, 'chatrooms', 'general.txt');
    const outside = path.join(tempDir(), 'outside.txt');
    fs.renameSync(general, outside);
    fs.symlinkSync(outside, general);
    const r = runCoord(['send', '#general', `a longer message than the first ${'x'.repeat(300)}`], {
      dir,
      as: 'instance-1',
    });
    assert.strictEqual(r.code, 3, r.stderr);
    assert.match(r.stderr, /symbolic link/);
    fs.rmSync(general);
    fs.renameSync(outside, general);
    assert.deepStrictEqual(snapshotTree(dir), before);
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')));
  });

  it('temporary files of killed writers are removed by the next write; a live writer keeps its own', () => {
    const dir = freshDir();
    const dead = deadPid();
    const old = new Date(Date.now() - 3_600_000);
    const leftovers = [
      `data/status.txt.tmp-${dead}-0`,
      `read-status/instance-1_positions.txt.tmp-${dead}-3`,
      `data/.coord-search-index.${dead}.1700000000000.tmp`,
      'data/chatroom-status.txt.1234567890',
    ];
    for (const f of leftovers) {
      fs.writeFileSync(path.join(dir, f), 'half');
      fs.utimesSync(path.join(dir, f), old, old);
    }
    const live = `data/status.txt.tmp-${process.pid}-0`;
    fs.writeFileSync(path.join(dir, live), 'in progress');
    const r = runCoord(['send', '#general', 'hello'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    for (const f of leftovers) assert.ok(!fs.existsSync(path.join(dir, f)), `${f} was left`);
    assert.ok(fs.existsSync(path.join(dir, live)), "a running writer's temporary file was removed");
  });
});
