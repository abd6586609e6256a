/** mark-read turns the inbox's STATUS lines read as bash reads them, on an inbox written with CRLF line ends. */
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

  it('mark-read all turns every block of the inbox read, one already read by a read-status mark too', () => {
    const dir = freshDir();
    const inbox = path.join(dir, 'inboxes', 'instance-1.txt');
    const block = (id: string, text: string, status = 'unread') =>
      `[2026-01-01 10:00:00] FROM: instance-2\r\nID: ${id}\r\nMESSAGE: ${text}\r\nSTATUS: ${status}\r\n---\r\n`;
    const quoted = 'quoting\r\n STATUS: unread';
    fs.writeFileSync(inbox, block('aaaa1111', 'first') + block('bbbb2222', 'second') + block('cccc3333', quoted));
    // bbbb2222 is read already (a read-status mark), so not among the messages marked: its block still turns read.
    fs.writeFileSync(path.join(dir, 'read-status', 'instance-1.txt'), 'id:bbbb2222: read at 2026-01-01 10:01:00\n');
    const r = runCoord(['--json', 'mark-read', 'all'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout).marked.sort(), ['aaaa1111', 'cccc3333']);
    assert.strictEqual(
      fs.readFileSync(inbox, 'utf8'),
      block('aaaa1111', 'first', 'read') + block('bbbb2222', 'second', 'read') + block('cccc3333', quoted, 'read'),
    );
  });
});
