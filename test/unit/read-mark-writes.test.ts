/**
 * writeReadMarks (src/core/write/readMarkWrites.ts) turns exactly the chosen
 * inbox lines that say `STATUS: unread` into `STATUS: read`, byte for byte
 * as the line rule below does, keeping CRLF line ends and every other byte.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from '../../src/core/disk/layout';
import { planReadMarks, writeReadMarks } from '../../src/core/write/readMarkWrites';
import { tempDir } from '../support/helpers';

/** The rule, line by line: lines split at "\n", `STATUS: unread` with an optional CR before it. */
function expected(text: string, lines: number[]): string {
  const physical = text.split('\n');
  for (const line of lines)
    if (line - 1 < physical.length && /^STATUS: unread\r?$/.test(physical[line - 1]))
      physical[line - 1] = physical[line - 1].replace('unread', 'read');
  return physical.join('\n');
}

describe('marking inbox lines read', () => {
  it('rewrites exactly the chosen STATUS: unread lines, whatever surrounds them', () => {
    const shapes = [
      'STATUS: unread',
      'STATUS: unread\r',
      'STATUS: read',
      'STATUS: unread ',
      ' STATUS: unread',
      'STATUS: unreadx',
      'FROM: instance-1',
      '---',
      '',
      'text with STATUS: unread inside',
      'ünïcödé STATUS: unread',
    ];
    let seed = 3;
    const random = (n: number) => {
      seed = (seed * 16807) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const dir = tempDir('coord-inbox-marks-');
      fs.mkdirSync(path.join(dir, 'inboxes'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'read-status'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      const layout = new Layout(dir);
      const count = 1 + random(40);
      const physical = Array.from({ length: count }, () => shapes[random(shapes.length)]);
      const text = physical.join('\n') + (random(2) === 0 ? '\n' : '');
      fs.writeFileSync(layout.inbox('instance-2'), text);
      const chosen = Array.from({ length: random(count + 5) }, () => 1 + random(count + 3));
      const plan = planReadMarks(
        'instance-2',
        { refs: [], lastLines: [], inboxLines: chosen },
        '2026-12-05 11:40:00',
        null,
      );
      writeReadMarks(layout, plan);
      assert.strictEqual(
        fs.readFileSync(layout.inbox('instance-2'), 'utf8'),
        expected(text, chosen),
        `round ${round}: ${JSON.stringify(text)} lines ${chosen.join(',')}`,
      );
    }
  });
});
