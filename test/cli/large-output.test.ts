/**
 * Large outputs: check-unread's human output stops at the last 200 with a
 * line saying how many more, and --json output (now written as it is
 * produced) has exactly the bytes of the one-string form it replaced.
 */
import * as assert from 'assert';
import * as path from 'path';
import { copySample, generateDirectory, runCoord, tempDir } from '../support/helpers';

const UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What --json printed before it streamed: one JSON.stringify, unsafe characters as \u escapes, a newline. */
const oneString = (value: unknown) =>
  JSON.stringify(value, null, 2).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';

describe('large outputs (as a process)', function () {
  this.timeout(120_000);

  it('check-unread shows the last 200 unread and a last line saying how many more', async () => {
    const dir = path.join(tempDir(), 'coordination');
    await generateDirectory(dir, 2000, 5);
    const json = runCoord(['--json', 'check-unread'], { dir, as: 'instance-1' });
    assert.strictEqual(json.code, 0, json.stderr);
    const all = (JSON.parse(json.stdout) as Array<{ number: number }>).map((m) => m.number);
    assert.ok(all.length > 400, `only ${all.length} unread`);

    const human = runCoord(['check-unread'], { dir, as: 'instance-1' });
    assert.strictEqual(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    const shown = lines.flatMap((l) => /^\[(\d+)\] /.exec(l)?.[1] ?? []).map(Number);
    assert.deepStrictEqual(shown, all.slice(-200));
    assert.strictEqual(lines[lines.length - 1], `${all.length - 200} more before these: use --limit N or --json`);
    assert.match(lines[lines.length - 2], new RegExp(`^\\(${all.length} unread; `));

    const limited = runCoord(['check-unread', '--limit', '300'], { dir, as: 'instance-1' });
    const limitedShown = limited.stdout.split('\n').filter((l) => /^\[\d+\] /.test(l)).length;
    assert.strictEqual(limitedShown, 300);
    assert.doesNotMatch(limited.stdout, /more before these/);
  });

  it('--json output has the bytes of the one-string form: layout, escapes, objects and empty lists', () => {
    const dir = copySample();
    const sent = runCoord(['send', '#general', 'bidi \u202e and DEL \u007f and C1 \u0085 and LS \u2028 end'], {
      dir,
      as: 'instance-1',
    });
    assert.strictEqual(sent.code, 0, sent.stderr);
    for (const args of [['check-unread'], ['check-inbox'], ['check-chatroom', 'general'], ['system-status']]) {
      const r = runCoord(['--json', ...args], { dir, as: 'instance-2' });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(r.stdout, oneString(JSON.parse(r.stdout)), args.join(' '));
      assert.doesNotMatch(r.stdout, UNSAFE);
    }
    const unread = runCoord(['--json', 'check-unread'], { dir, as: 'instance-2' }).stdout;
    assert.ok(unread.includes('bidi \\u202e and DEL \\u007f and C1 \\u0085 and LS \\u2028 end'), unread);
    assert.strictEqual(runCoord(['mark-read', 'all'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(runCoord(['--json', 'check-unread'], { dir, as: 'instance-2' }).stdout, '[]\n');
  });
});
