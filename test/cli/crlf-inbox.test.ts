/** mark-read on an inbox written with CRLF line ends turns its STATUS line read, as bash reads it. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord } from '../support/helpers';

describe('mark-read on a CRLF inbox (as a process)', function () {
  this.timeout(60000);

  it('rewrites the STATUS line of the message marked, keeping CRLF, and leaves the others', () => {
    const dir = freshDir();
    const inbox = path.join(dir, 'inboxes', 'instance-1.txt');
    const block = (id: string, text: string) =>
      `[2026-01-01 10:00:00] FROM: instance-2\r\nID: ${id}\r\nMESSAGE: ${text}\r\nSTATUS: unread\r\n---\r\n`;
    fs.writeFileSync(inbox, block('aaaa1111', 'first') + block('bbbb2222', 'second'));
    const r = runCoord(['--json', 'mark-read', 'aaaa1111'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout).marked, ['aaaa1111']);
    assert.strictEqual(
      fs.readFileSync(inbox, 'utf8'),
      block('aaaa1111', 'first').replace('STATUS: unread', 'STATUS: read') + block('bbbb2222', 'second'),
    );
  });
});
