import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SAMPLE_DIR } from '../support/helpers';
import { formatLogLine, parseLogLine } from '../../src/core/formats/messagesLog';
import { formatBlock, formatSystemLine, parseTranscript, TranscriptBlock } from '../../src/core/formats/transcript';
import {
  formatChatroomStatusFile,
  formatChatroomStatusLine,
  parseChatroomStatusFile,
  parseChatroomStatusLine,
} from '../../src/core/formats/chatroomStatus';
import {
  formatInstanceStatusFile,
  parseInstanceStatusFile,
  parseStatusTxt,
  upsertStatusTxt,
} from '../../src/core/formats/statuses';
import {
  formatReadMark,
  formatReadReceipt,
  parseDmReads,
  ReadMarkEncoder,
  parsePositions,
  parseReadMarks,
  upsertPosition,
} from '../../src/core/formats/readMarks';
import { formatActionLine, parseActionLog } from '../../src/core/formats/actionLog';
import { ActionLogActivity } from '../../src/core/attention/actionActivity';
import { latestActivity } from '../../src/core/attention/stuckAgents';
import { formatPythonDmLine, parsePythonDm } from '../../src/core/formats/pythonDm';

const sample = (rel: string) => fs.readFileSync(path.join(SAMPLE_DIR, rel), 'utf8');
const blocks = (text: string) => parseTranscript(text).filter((i): i is TranscriptBlock => i.kind === 'message');

describe('messages.log lines', () => {
  it('parses every line shape FORMAT.md lists', () => {
    const ts = '[2025-06-15 05:04:13]';
    assert.deepStrictEqual(parseLogLine(`${ts} instance-1 -> #general: hi`), {
      time: '2025-06-15 05:04:13',
      from: 'instance-1',
      rawTarget: '#general',
      dm: false,
      text: 'hi',
      replyTo: null,
    });
    assert.strictEqual(parseLogLine(`${ts} instance-1 -> @instance-2: yo`)?.rawTarget, '@instance-2');
    assert.strictEqual(parseLogLine(`${ts} instance-1 -> instance-2: legacy`)?.rawTarget, 'instance-2');
    const dm = parseLogLine(`${ts} DM: instance-1 -> instance-2: secret`)!;
    assert.deepStrictEqual([dm.dm, dm.from, dm.rawTarget, dm.text], [true, 'instance-1', 'instance-2', 'secret']);
    const py = parseLogLine(`${ts} instance-1 -> coordination: [REPLY to msg #8] ok`)!;
    assert.deepStrictEqual([py.rawTarget, py.replyTo, py.text], ['coordination', 8, 'ok']);
    const bash = parseLogLine(`${ts} instance-1 -> #general: [REPLY to msg #8 from instance-3] fine`)!;
    assert.deepStrictEqual([bash.rawTarget, bash.replyTo, bash.text], ['#general', 8, 'fine']);
    assert.strictEqual(parseLogLine('a spilled continuation line'), null);
    assert.strictEqual(parseLogLine(''), null);
  });

  it('writes one physical line whatever the text holds, and reads it back', () => {
    const texts = [
      'two\nlines',
      'cr\rhere',
      'crlf\r\nend',
      'back\\slash \\n literal',
      'tab\tbell\u0007 esc\u001b[31m',
      'unicode ✅ 🚀 \u2028 sep',
      '',
    ];
    for (const text of texts) {
      const line = formatLogLine({
        time: '2025-06-15 05:04:13',
        from: 'instance-1',
        target: '#general',
        dm: false,
        text,
      });
      assert.ok(!/[\r\n\u2028\u2029\u0000-\u0008\u000b-\u001f]/.test(line), `raw control in ${JSON.stringify(line)}`);
      assert.strictEqual(parseLogLine(line)!.text, text);
    }
  });

  it('writes replies and DMs in shapes the older tools read', () => {
    const reply = formatLogLine({
      time: 't',
      from: 'instance-2',
      target: '#dev',
      dm: false,
      text: 'yes',
      replyTo: 12,
      replyToSender: 'instance-1',
    });
    assert.strictEqual(reply, '[t] instance-2 -> #dev: [REPLY to msg #12 from instance-1] yes');
    const escapedReply = formatLogLine({ time: 't', from: 'a', target: '#dev', dm: false, text: 'x\ny', replyTo: 12 });
    assert.strictEqual(
      escapedReply,
      '[t] a -> #dev: [REPLY to msg #12] \u2060x\\ny',
      'the mark follows the reply prefix',
    );
    const dm = formatLogLine({ time: '2025-06-15 05:04:13', from: 'a', target: '@b', dm: true, text: 'x' });
    assert.strictEqual(dm, '[2025-06-15 05:04:13] DM: a -> b: x');
    assert.strictEqual(
      parseLogLine(
        formatLogLine({
          time: '2025-06-15 05:04:13',
          from: 'a',
          target: '#r',
          dm: false,
          text: 'y',
          replyTo: 'abcdef12',
          replyToSender: 'b',
        }),
      )!.replyTo,
      'abcdef12',
    );
  });
});

describe('block transcripts', () => {
  it('reads every block of every room file in the sample', () => {
    const dir = path.join(SAMPLE_DIR, 'chatrooms');
    for (const name of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      const expected = (text.match(/^ID: /gm) ?? []).length;
      assert.strictEqual(blocks(text).length, expected, name);
    }
  });

  it('keeps multi-line text, empty messages, emoji and unescapes bash \\!', () => {
    const bug = blocks(sample('chatrooms/bug-testing.txt'));
    assert.strictEqual(bug[0].text, 'Testing: long message with special characters !@#$%^&*()_+ and unicode 🚀💬🔧');
    assert.strictEqual(bug[2].text, '');
    assert.ok(bug[3].text.includes('2. Testing message with \nnewlines\nand\nmultiple\nbreaks'));
    assert.ok(bug[3].text.includes('$(whoami) and backticks `ls`'));
  });

  it('reads SYSTEM lines as room events', () => {
    const events = parseTranscript(sample('chatrooms/test-messaging.txt')).filter((i) => i.kind === 'system');
    assert.deepStrictEqual(
      events.map((e) => (e.kind === 'system' ? e.type : '')),
      ['created', 'description', 'closed', 'closure-reason', 'reopened', 'reopen-reason', 'closed', 'closure-reason'],
    );
    const header = parseTranscript(sample('chatrooms/general.txt'));
    assert.deepStrictEqual(header, [
      { kind: 'system', time: '2025-06-15 00:00:00', type: 'created', value: 'system', line: 1 },
    ]);
  });

  it('splits a block glued to the line before it (the inbox quirk)', () => {
    const items = parseTranscript(sample('inboxes/instance-1.txt'));
    const msgs = items.filter((i): i is TranscriptBlock => i.kind === 'message');
    assert.deepStrictEqual(
      msgs.map((m) => [m.id, m.status]),
      [
        ['8abda4b6', 'unread'],
        ['f056f223', 'unread'],
      ],
    );
    assert.strictEqual(items[0].kind, 'system');
  });

  it('reads bash DM blocks with FROM/TO and per-reader status', () => {
    const dm = blocks(sample('dms/instance-2_instance-3.txt'));
    assert.deepStrictEqual(
      dm.map((b) => [b.from, b.to, b.status]),
      Array(3).fill(['instance-3', 'instance-2', 'unread by instance-2']),
    );
  });

  it('tolerates a last block without ---, and records line spans', () => {
    const text =
      '[2025-06-15 05:00:00] FROM: a\nID: 11111111\nMESSAGE: one\n---\n[2025-06-15 05:00:01] FROM: b\nID: 22222222\nMESSAGE: two\nmore';
    const [one, two] = blocks(text);
    assert.deepStrictEqual(
      [one.firstLine, one.lastLine, two.firstLine, two.lastLine, two.text],
      [1, 4, 5, 8, 'two\nmore'],
    );
  });

  it('round-trips a written block, guarding lines that look like structure', () => {
    const text = 'line one\n---\n[2025-06-15 05:00:00] FROM: mallory\nSTATUS: read\nend';
    const written = formatBlock({
      time: '2025-06-15 06:00:00',
      from: 'instance-1',
      id: 'abcdef12',
      text,
      status: 'unread',
    });
    const [b] = blocks(written);
    assert.strictEqual(blocks(written).length, 1);
    assert.deepStrictEqual([b.from, b.id, b.status], ['instance-1', 'abcdef12', 'unread']);
    assert.strictEqual(b.text, 'line one\n ---\n [2025-06-15 05:00:00] FROM: mallory\n STATUS: read\nend');
    assert.strictEqual(formatSystemLine('t', 'Closure reason: a\nb'), '[t] SYSTEM: Closure reason: a b\n');
  });
});

describe('chatroom-status.txt', () => {
  it('parses the sample by shape, including truncated times and comments', () => {
    const lines = parseChatroomStatusFile(sample('data/chatroom-status.txt'));
    const entries = lines.flatMap((l) => (l.kind === 'entry' ? [l.entry] : []));
    assert.strictEqual(entries.length, 10);
    assert.strictEqual(lines.filter((l) => l.kind === 'verbatim').length, 2);
    const testing = entries.find((e) => e.name === 'test-messaging')!;
    assert.deepStrictEqual(
      [testing.status, testing.created, testing.modified, testing.reason],
      ['open', '', '2025-06-15 06:14:58', ''],
    );
    const closed = entries.find((e) => e.name === 'system-testing')!;
    assert.strictEqual(closed.reason, 'System testing completed successfully - all features verified functional');
    assert.strictEqual(closed.modified, '2025-06-15 05:09:09');
  });

  it('keeps colons in reasons and rewrites unknown lines verbatim', () => {
    const e = parseChatroomStatusLine(
      'dev:closed:instance-1:2025-06-15 05:00:00:2025-06-15 06:00:00:Reason: 24 hours: done',
    )!;
    assert.strictEqual(e.reason, 'Reason: 24 hours: done');
    assert.strictEqual(
      formatChatroomStatusLine(e),
      'dev:closed:instance-1:2025-06-15 05:00:00:2025-06-15 06:00:00:Reason: 24 hours: done',
    );
    const file = '# header:::\ngarbage line\ndev:open:a:2025-06-15 05:00:00:2025-06-15 05:00:00:\n';
    assert.strictEqual(formatChatroomStatusFile(parseChatroomStatusFile(file)), file);
  });
});

describe('statuses', () => {
  it('reads both writers of the sample', () => {
    const bash = parseStatusTxt(sample('data/status.txt'));
    assert.deepStrictEqual(
      bash.map((e) => e.instance),
      ['instance-2', 'instance-3', 'instance-1'],
    );
    assert.strictEqual(bash[2].text, 'Testing all bash commands - coordination system fully operational! 🚀');
    assert.strictEqual(bash[2].updated, '2025-06-15 06:31:29');
    const py = parseInstanceStatusFile('instance-1', sample('data/status_instance-1.txt'))!;
    assert.deepStrictEqual(py, {
      instance: 'instance-1',
      text: 'Using pure Python API - demonstrating zero bash dependency!',
      updated: '2025-06-15 06:16:48',
    });
  });

  it('writes lines the readers take back, replacing only the instance updated', () => {
    const next = upsertStatusTxt(sample('data/status.txt'), {
      instance: 'instance-3',
      text: 'new\nthing',
      updated: '2025-06-16 01:02:03',
    });
    const parsed = parseStatusTxt(next);
    assert.strictEqual(parsed.length, 3);
    assert.deepStrictEqual(
      parsed.find((e) => e.instance === 'instance-3'),
      { instance: 'instance-3', text: 'new thing', updated: '2025-06-16 01:02:03' },
    );
    const file = formatInstanceStatusFile({ instance: 'x', text: 'busy', updated: '2025-06-16 01:02:03' });
    assert.strictEqual(file, '[2025-06-16 01:02:03] busy');
    assert.strictEqual(parseInstanceStatusFile('x', file)!.text, 'busy');
  });
});

describe('read marks', () => {
  it('reads both mark shapes with their times, keeping the latest', () => {
    const marks = parseReadMarks(
      '12: read at 2025-06-15 06:30:38\n12:2025-06-15 07:00:00\n7:2025-06-15 05:00:00\nid:8abda4b6: read at 2025-06-15 06:00:00\njunk\n',
    );
    assert.deepStrictEqual(
      [...marks.numbers],
      [
        [7, '2025-06-15 05:00:00'],
        [12, '2025-06-15 07:00:00'],
      ],
    );
    assert.deepStrictEqual([...marks.ids], ['8abda4b6']);
    assert.strictEqual(parseReadMarks(sample('read-status/instance-1.txt')).numbers.size, 417);
    assert.strictEqual(formatReadMark(5, '2025-06-15 05:00:00'), '5: read at 2025-06-15 05:00:00\n');
  });

  it('reads the common shapes in place exactly as the line rule reads any line', () => {
    // The rule as the older tools' lines are read one by one (the reference the in-place reading must equal).
    const reference = (text: string) => {
      const numbers = new Map<number, string>();
      const ids = new Set<string>();
      for (const line of text.split(/\r\n|\r|\n/)) {
        const num = /^\s*(\d+)\s*:\s*(?:read at )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?/.exec(line);
        if (num) {
          const n = Number(num[1]);
          const time = num[2] ?? '';
          const previous = numbers.get(n);
          if (previous === undefined || (previous !== '' && (time === '' || time > previous))) numbers.set(n, time);
        } else if (/^id:([0-9A-Za-z]+):/.test(line)) ids.add(/^id:([0-9A-Za-z]+):/.exec(line)![1]);
      }
      return { numbers: [...numbers].sort((x, y) => x[0] - y[0]), ids: [...ids].sort() };
    };
    const pieces = [
      '12: read at 2025-06-15 06:30:38',
      '12:2025-06-15 07:00:00',
      ' 13 : read at 2025-06-15 06:30:38',
      '14:',
      '15: read at 2025-06-1',
      '16:2025-06-15 07:00:00 trailing',
      '017:2025-06-15 07:00:00',
      '99999999999999999999: read at 2025-06-15 06:30:38',
      '18: read at 2025-06-15 06:30:38\r19:2025-06-15 06:30:39',
      '\t20:\u00a02025-06-15 06:30:38',
      'id:8abda4b6: read at 2025-06-15 06:00:00',
      'junk',
      '',
      '21: read at 2025-13-99 99:99:99',
      '7: read at 2025-06-15 05:00:00',
      '7:2025-06-15 04:00:00',
      '7:',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 12 }, () => pieces[Math.floor(random() * pieces.length)]);
      const text = lines.join(['\n', '\r\n', '\r'][round % 3]) + (round % 2 ? '\n' : '');
      const marks = parseReadMarks(text);
      assert.deepStrictEqual(
        { numbers: [...marks.numbers], ids: [...marks.ids].sort() },
        reference(text),
        JSON.stringify(text),
      );
    }
  });

  it('keeps a huge number from a hand-written or half-written line as one entry, not a huge array', () => {
    const marks = parseReadMarks('5: read at 2026-01-01 00:00:00\n200000000:2026-01-02 00:00:00\n6:\n');
    assert.strictEqual(marks.numbers.get(200_000_000), '2026-01-02 00:00:00');
    assert.ok(marks.numbers.toParts().byNumber.length <= 1 << 22, 'the array stays small');
    // Numbers that arrive in order (mark-read all) still grow the array, moving what it now covers.
    for (let n = 1; n <= 3_000_000; n += 1000) marks.numbers.add(n, '2026-01-03 00:00:00');
    marks.numbers.add(9_000_000, '2026-01-04 00:00:00');
    for (let n = 3_000_001; n <= 9_500_000; n += 1000) marks.numbers.add(n, '2026-01-03 00:00:00');
    assert.strictEqual(marks.numbers.get(9_000_000), '2026-01-04 00:00:00');
    assert.strictEqual(marks.numbers.get(6), '');
    const all = [...marks.numbers];
    assert.deepStrictEqual(
      all.map(([n]) => n),
      all.map(([n]) => n).sort((a, b) => a - b),
      'in number order',
    );
    assert.strictEqual(all.length, marks.numbers.size);
  });

  it('encodes many marks and receipts in bulk exactly as the line formats write them, across pieces', () => {
    const time = '2026-12-05 11:20:00';
    const refs: Array<number | string> = [1, 9, 10, 99, 100, 12345, 'a1b2c3d4', 999_999, 1_000_000, 2 ** 31, 7];
    for (let k = 0; k < 500; k++) refs.push(Math.floor(Math.random() * 10 ** (1 + (k % 12))));
    const marks: Buffer[] = [];
    const receipts: Buffer[] = [];
    // Each piece copied: the encoder reuses its buffers.
    const encoder = new ReadMarkEncoder(time, 'instance-é', 7, (m, r) => {
      marks.push(Buffer.from(m));
      receipts.push(Buffer.from(r));
    });
    for (const ref of refs)
      if (typeof ref === 'string') encoder.addId(ref);
      else encoder.addNumber(ref);
    encoder.cut();
    assert.ok(marks.length > 10, 'cut into pieces');
    assert.strictEqual(Buffer.concat(marks).toString('utf8'), refs.map((r) => formatReadMark(r, time)).join(''));
    assert.strictEqual(
      Buffer.concat(receipts).toString('utf8'),
      refs
        .filter((r): r is number => typeof r === 'number')
        .map((n) => formatReadReceipt(time, 'instance-é', n))
        .join(''),
    );
  });

  it('reads and updates positions files', () => {
    const pos = parsePositions(sample('read-status/instance-2_positions.txt'));
    assert.strictEqual(pos.length, 10);
    assert.deepStrictEqual(
      pos.find((p) => p.kind === 'dm'),
      { kind: 'dm', name: 'instance-2_instance-3', lines: 10 },
    );
    const updated = parsePositions(
      upsertPosition(sample('read-status/instance-2_positions.txt'), { kind: 'chatroom', name: 'general', lines: 9 }),
    );
    assert.strictEqual(updated.filter((p) => p.name === 'general').length, 1);
    assert.strictEqual(updated.find((p) => p.name === 'general')!.lines, 9);
  });

  it('reads DM read receipts', () => {
    assert.deepStrictEqual(
      parseDmReads(sample('read-status/dm_instance-2_instance-3_reads.txt')).map((r) => r.idPrefix),
      ['8', '8', '65'],
    );
  });
});

describe('action log', () => {
  it('reads both entry shapes and joins spilled lines', () => {
    const entries = parseActionLog(sample('data/action-log.txt'));
    assert.strictEqual(entries[0].action, 'CHATROOM_CREATED');
    assert.strictEqual(entries[0].instance, 'instance-1');
    assert.strictEqual(entries[2].action, 'SYSTEM_TEST');
    const spilled = entries.find((e) => e.details.startsWith('Checked notifications: 0\n'));
    assert.ok(spilled, 'spilled continuation joined');
    const lines = sample('data/action-log.txt')
      .split('\n')
      .filter((l) => l.startsWith('['));
    assert.strictEqual(entries.length, lines.length);
  });

  it('writes one line per entry', () => {
    const line = formatActionLine({
      time: '2025-06-15 05:00:00',
      instance: 'i',
      action: 'UPDATE_STATUS',
      details: 'a\nb',
    });
    assert.strictEqual(line, '[2025-06-15 05:00:00] i | UPDATE_STATUS | a b\n');
    assert.deepStrictEqual(parseActionLog(line)[0], {
      time: '2025-06-15 05:00:00',
      instance: 'i',
      action: 'UPDATE_STATUS',
      details: 'a b',
    });
  });
});

describe('latest action of each id, kept between reads', () => {
  const full = (file: string) =>
    latestActivity(parseActionLog(fs.readFileSync(file, 'utf8')).map((a) => ({ id: a.instance, time: a.time })));
  const line = (time: string, who: string) =>
    formatActionLine({ time, instance: who, action: 'SEND_MESSAGE', details: 'x' });

  it('equals a parse of the whole log after appends, a line being written, and a rewrite', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coord-actions-')), 'action-log.txt');
    const activity = new ActionLogActivity(file);
    assert.deepStrictEqual(activity.latest(), new Map());
    fs.writeFileSync(file, sample('data/action-log.txt'));
    assert.deepStrictEqual(activity.latest(), full(file));
    fs.appendFileSync(file, line('2030-01-01 00:00:01', 'instance-1') + line('2030-01-01 00:00:02', 'late-one'));
    assert.deepStrictEqual(activity.latest(), full(file));
    // Half a line: read as it is now, and again once it is whole.
    const next = line('2030-01-01 00:00:03', 'instance-2');
    fs.appendFileSync(file, next.slice(0, 30));
    assert.deepStrictEqual(activity.latest(), full(file));
    fs.appendFileSync(file, next.slice(30) + 'spilled continuation\n');
    assert.deepStrictEqual(activity.latest(), full(file));
    assert.strictEqual(activity.latest().get('instance-2'), '2030-01-01 00:00:03');
    // Megabytes of lines, one longer than the chunks the log is read in.
    const many = Array.from({ length: 20000 }, (_, k) =>
      line(`2031-01-01 00:00:${String(k % 60).padStart(2, '0')}`, `agent-${k % 50}`),
    );
    fs.appendFileSync(file, many.join('') + line('2031-02-02 00:00:00', `long-${'x'.repeat(1_500_000)}`));
    assert.deepStrictEqual(activity.latest(), full(file));
    // Rewritten shorter, then with other bytes at the same length: read again from the start.
    fs.writeFileSync(file, line('2029-01-01 00:00:00', 'instance-1'));
    assert.deepStrictEqual(activity.latest(), full(file));
    fs.writeFileSync(file, line('2029-01-01 00:00:00', 'instance-9'));
    assert.deepStrictEqual(activity.latest(), full(file));
  });
});

describe('Python DM files', () => {
  it('reads the sample and round-trips written lines', () => {
    const lines = parsePythonDm(sample('dms/dm_instance-1_instance-2.txt'));
    assert.deepStrictEqual(
      lines.map((l) => [l.from, l.line]),
      [
        ['instance-1', 1],
        ['instance-1', 2],
      ],
    );
    const written = formatPythonDmLine('2025-06-15 05:00:00', 'a', 'multi\nline');
    assert.strictEqual(written.split('\n').length, 2);
    assert.strictEqual(parsePythonDm(written)[0].text, 'multi\nline');
  });
});
