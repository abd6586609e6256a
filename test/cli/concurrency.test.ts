import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoordAsync } from '../support/helpers';
import { openCoordination } from '../../src/core/coordination';

describe('concurrent writers', function () {
  this.timeout(180000);

  it('8 coord processes at once: every message lands once, whole, numbered by its line', async () => {
    const dir = freshDir();
    const WRITERS = 8;
    const EACH = 12;
    // agent-0 receives @-messages, so it must be a known instance first.
    assert.strictEqual((await runCoordAsync(['update-status', 'ready'], { dir, as: 'agent-0' })).code, 0);
    const jobs: Array<Promise<{ code: number; stdout: string; stderr: string }>> = [];
    for (let w = 0; w < WRITERS; w++) {
      jobs.push(
        (async () => {
          let out = '';
          for (let i = 0; i < EACH; i++) {
            const text = `writer ${w} message ${i} ${'payload '.repeat(40)}\nsecond line ✅`;
            const r = await runCoordAsync(['send', i % 3 === 0 ? '@agent-0' : '#general', text, '--json'], {
              dir,
              as: `agent-${w}`,
            });
            if (r.code !== 0) return r;
            out += JSON.stringify(JSON.parse(r.stdout)) + '\n';
          }
          return { code: 0, stdout: out, stderr: '' };
        })(),
      );
    }
    const results = await Promise.all(jobs);
    for (const r of results) assert.strictEqual(r.code, 0, r.stderr);
    const acknowledged = results.flatMap((r) =>
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    assert.strictEqual(acknowledged.length, WRITERS * EACH);

    const numbers = acknowledged.map((m) => m.number);
    assert.strictEqual(new Set(numbers).size, numbers.length, 'distinct numbers');
    assert.deepStrictEqual(
      [...numbers].sort((a, b) => a - b),
      Array.from({ length: WRITERS * EACH }, (_, i) => i + 1),
    );

    const lines = fs.readFileSync(path.join(dir, 'data/messages.log'), 'utf8').split('\n');
    assert.ok(!fs.existsSync(path.join(dir, 'data/.coord.lock')), 'lock released');
    assert.strictEqual(lines.pop(), '', 'log ends with a newline');
    assert.strictEqual(lines.length, WRITERS * EACH);
    for (const m of acknowledged) {
      const expected = `[${m.time}] ${m.from} -> ${m.target}: \u2060${m.text.replace(/\n/g, '\\n')}`;
      assert.strictEqual(lines[m.number - 1], expected, `line ${m.number} is message ${m.id}, whole`);
    }

    const reader = openCoordination({ dir, instance: 'agent-0' });
    const all = reader.messages();
    assert.strictEqual(all.length, WRITERS * EACH, 'transcripts and log agree: no duplicates');
    for (const m of acknowledged)
      assert.strictEqual(reader.getMessage(m.number).id, m.id, 'transcript block matched its log line');
    const transcriptBlocks = (fs.readFileSync(path.join(dir, 'chatrooms/general.txt'), 'utf8').match(/^---$/gm) ?? [])
      .length;
    assert.strictEqual(transcriptBlocks, acknowledged.filter((m) => m.target === '#general').length);
  });

  it('in-process writers sharing one directory do not interleave either', async () => {
    const dir = freshDir();
    const writers = Array.from({ length: 4 }, (_, i) => openCoordination({ dir, instance: `agent-${i}` }));
    const sent = await Promise.all(
      writers.flatMap((c) => Array.from({ length: 25 }, (_, i) => c.send('#general', `m${i}`))),
    );
    assert.deepStrictEqual(
      sent.map((m) => m.number).sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });
});
