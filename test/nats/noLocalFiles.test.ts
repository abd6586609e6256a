/**
 * On a NATS server nothing is written where coord runs: every command that
 * works over the server (each write, the importance flags, claims, the
 * commit guard's check and the reads) runs from a scratch working directory,
 * which must stay empty (no `nats:` directory, no lock, no summary).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { runCoord, tempDir, type RunResult } from '../support/helpers';
import { NatsServer, startServer } from './natsServer';

describe('NATS: no files where coord runs', function () {
  this.timeout(120000);
  let server: NatsServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it('every command over the server leaves the working directory empty', () => {
    const cwd = tempDir('coord-scratch-');
    const run = (as: string, args: string[]): RunResult => {
      const r = runCoord(['--server', server.url, ...args], { as, cwd });
      assert.strictEqual(r.code, 0, `coord ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
      return r;
    };
    const commands: Array<[string, string[]]> = [
      ['instance-1', ['create-chatroom', 'backend', 'API work']],
      ['instance-2', ['update-status', 'reviewing']],
      ['instance-1', ['send', 'general', 'plain']],
      ['instance-1', ['send', 'general', 'red build @instance-2', '--urgent', '--ack']],
      ['instance-1', ['send', 'backend', 'soon', '--high']],
      ['instance-1', ['send', 'backend', 'whenever', '--low']],
      ['instance-1', ['send-dm', 'instance-2', 'private']],
      ['instance-2', ['reply', '1', 'seen']],
      ['instance-2', ['mark-read', '1']],
      ['instance-2', ['mark-read', 'all']],
      ['instance-2', ['ack', '2']],
      ['alice', ['register-human']],
      ['instance-1', ['close-chatroom', 'backend', 'done']],
      ['instance-1', ['reopen-chatroom', 'backend', 'again']],
      ['instance-1', ['claim', 'src/api/**', '--exclusive', '--reason', 'schema']],
      ['instance-2', ['claim', 'docs/guide.md']],
      ['instance-1', ['guard', 'check', 'src/api/x.ts', 'docs/guide.md']],
      ['instance-1', ['release', 'src/api/**']],
      ['instance-2', ['release', '--all']],
      ['instance-1', ['claims']],
      ['instance-1', ['acks']],
      ['instance-1', ['humans']],
      ['instance-2', ['needs-you']],
      ['instance-1', ['stuck']],
      ['instance-2', ['digest', 'general']],
      ['instance-1', ['check-unread']],
      ['instance-1', ['check-notifications']],
      ['instance-1', ['check-inbox']],
      ['instance-1', ['check-dm']],
      ['instance-1', ['check-chatroom', 'general']],
      ['instance-1', ['list-chatrooms']],
      ['instance-1', ['thread', '1']],
      ['instance-1', ['search', 'build']],
      ['instance-1', ['system-status']],
      ['instance-1', ['system-summary']],
      ['instance-1', ['action-log']],
    ];
    for (const [as, args] of commands) {
      run(as, args);
      assert.deepStrictEqual(fs.readdirSync(cwd), [], `coord ${args.join(' ')} left files in ${cwd}`);
    }
    // The writes reached the server: seen from another working directory.
    const elsewhere = runCoord(['--server', server.url, '--json', 'system-status'], {
      as: 'instance-3',
      cwd: tempDir(),
    });
    const st = JSON.parse(elsewhere.stdout) as { totalMessages: number; instances: string[] };
    assert.deepStrictEqual([st.totalMessages, st.instances], [6, ['alice', 'instance-1', 'instance-2', 'instance-3']]);
    // `wait` too: it hands over what is unread (its cursor is kept on the server), then times out.
    const wait = runCoord(['--server', server.url, 'wait', '--timeout', '5'], { as: 'instance-3', cwd });
    assert.strictEqual(wait.code, 0, wait.stderr);
    const again = runCoord(['--server', server.url, 'wait', '--timeout', '1'], { as: 'instance-3', cwd });
    assert.strictEqual(again.code, 124, again.stderr);
    assert.deepStrictEqual(fs.readdirSync(cwd), []);
  });
});
