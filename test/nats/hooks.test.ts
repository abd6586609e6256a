/**
 * Hooks, `coord wait` and `coord setup` on a NATS server: an agent whose
 * machine has no coordination directory hears the others through the same
 * hook protocol, its delivery cursor is kept on the server (so a message is
 * handed over once wherever its hooks run), and a configured server is never
 * answered from a local directory's files.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, REPO_ROOT, runCoord, runCoordAsync, snapshotTree, startNode, tempDir } from '../support/helpers';
import { NatsServer, sleep, startServer } from './natsServer';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'hooks', 'claude');

function payload(event: string, cwd: string, patch: Record<string, unknown> = {}): string {
  const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${event}.json`), 'utf8'));
  return JSON.stringify({ ...recorded, cwd, ...patch });
}

describe('NATS: hooks, wait and setup on the server', function () {
  this.timeout(60000);
  let server: NatsServer;
  /** Two "machines" of agent-a: working directories without any coordination directory. */
  let machine1: string;
  let machine2: string;

  const coord = (as: string, ...args: string[]) => runCoordAsync(['--server', server.url, ...args], { as });
  const hook = (cwd: string, event: string, patch: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
    runCoord(['--server', server.url, 'hook', event, '--agent', 'claude'], {
      as: 'agent-a',
      input: payload(event, cwd, patch),
      cwd,
      env,
    });
  const context = (stdout: string): string => JSON.parse(stdout).hookSpecificOutput.additionalContext as string;

  before(async () => {
    server = await startServer();
    for (const as of ['agent-a', 'agent-b']) {
      const r = await coord(as, 'update-status', 'ready');
      assert.strictEqual(r.code, 0, r.stderr);
    }
    machine1 = tempDir('coord-hook-m1-');
    machine2 = tempDir('coord-hook-m2-');
  });
  after(() => server?.stop());

  it('SessionStart tells the agent who it is on the server, and what is waiting', async () => {
    const sent = await coord('agent-b', 'send-dm', 'agent-a', 'can you take the flaky test?');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const r = hook(machine1, 'SessionStart');
    assert.strictEqual(r.code, 0, r.stderr);
    const text = context(r.stdout);
    assert.match(text, new RegExp(`^You are agent-a on the coordination server ${server.url}\\.`));
    assert.match(text, /Unread: 1 message \(1 direct, 0 mentioning you\)/);
    assert.match(text, /can you take the flaky test\?/);
  });

  it('a message is handed over once, whichever machine runs the next hook (the cursor is on the server)', async () => {
    const sent = await coord('agent-b', '--json', 'send', '#general', '@agent-a the schema is merged');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const first = hook(machine1, 'PostToolUse');
    assert.strictEqual(first.code, 0, first.stderr);
    assert.match(context(first.stdout), /the schema is merged/);
    assert.match(context(first.stdout), new RegExp(`message #${JSON.parse(sent.stdout).number} from agent-b`));
    const again = hook(machine2, 'PostToolUse');
    assert.strictEqual(again.code, 0, again.stderr);
    assert.strictEqual(again.stdout, '');
  });

  it('Stop keeps the agent going once for an unread direct message, never twice in a row', async () => {
    const sent = await coord('agent-b', 'send-dm', 'agent-a', 'before you stop: the deploy needs you');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const stop = hook(machine2, 'Stop');
    assert.strictEqual(stop.code, 0, stop.stderr);
    const decision = JSON.parse(stop.stdout);
    assert.strictEqual(decision.decision, 'block');
    assert.match(decision.reason, /the deploy needs you/);
    const continued = hook(machine1, 'Stop', { stop_hook_active: true });
    assert.strictEqual(continued.stdout, '');
    const next = hook(machine1, 'Stop');
    assert.strictEqual(next.stdout, '', 'the same messages stop the agent only once');
  });

  it('writes nothing on the machines it runs on', () => {
    assert.deepStrictEqual(fs.readdirSync(machine1), []);
    assert.deepStrictEqual(fs.readdirSync(machine2), []);
  });

  it('with COORD_SERVER set, a local directory with nothing new does not answer for the server', async () => {
    const project = tempDir('coord-hook-local-');
    const local = path.join(project, 'coordination');
    assert.strictEqual(runCoord(['init', local]).code, 0);
    assert.strictEqual(runCoord(['update-status', 'here'], { dir: local, as: 'agent-a' }).code, 0);
    // The local directory's cursor says "nothing new" (the fast path would answer from it)...
    const quiet = runCoord(['hook', 'PostToolUse'], {
      dir: local,
      as: 'agent-a',
      input: payload('PostToolUse', project),
    });
    assert.strictEqual(quiet.stdout, '');
    const localFiles = snapshotTree(local);
    // ...while the server has a message for agent-a.
    const sent = await coord('agent-b', 'send', '#general', '@agent-a only the server has this');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const r = runCoord(['hook', 'PostToolUse'], {
      as: 'agent-a',
      input: payload('PostToolUse', project),
      cwd: project,
      env: { COORD_SERVER: server.url },
    });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(context(r.stdout), /only the server has this/);
    assert.deepStrictEqual(snapshotTree(local), localFiles, 'the local directory is not touched');
  });

  it('coord wait shares the cursor: it returns what is unread and not handed over, and a hook then has nothing', async () => {
    const sent = await coord('agent-b', '--json', 'send', '#general', '@agent-a waiting for you already');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const waited = await runCoordAsync(['--server', server.url, '--json', 'wait', '--timeout', '20'], {
      as: 'agent-a',
    });
    assert.strictEqual(waited.code, 0, waited.stderr);
    assert.deepStrictEqual(
      JSON.parse(waited.stdout).map((m: { text: string }) => m.text),
      ['@agent-a waiting for you already'],
    );
    const r = hook(machine1, 'PostToolUse');
    assert.strictEqual(r.stdout, '', 'what wait handed over is not handed over again');
    // And a wait that finds nothing pending blocks until a message arrives.
    const waiter = startNode([CLI, '--server', server.url, '--as', 'agent-a', 'wait', '--timeout', '20']);
    await sleep(1500);
    assert.strictEqual(waiter.out(), '', 'nothing was pending');
    assert.strictEqual((await coord('agent-b', 'send-dm', 'agent-a', 'now you have one')).code, 0);
    assert.strictEqual(await waiter.done, 0, waiter.err());
    assert.match(waiter.out(), /now you have one/);
  });

  it('setup writes --server into the MCP entry and hooks, and --check tries both against the server', async () => {
    const project = tempDir('coord-setup-nats-');
    const r = runCoord(['--server', server.url, '--as', 'agent-a', 'setup', 'claude', '--command', `node ${CLI}`], {
      cwd: project,
    });
    assert.strictEqual(r.code, 0, r.stderr);
    const mcp = JSON.parse(fs.readFileSync(path.join(project, '.mcp.json'), 'utf8'));
    assert.deepStrictEqual(mcp.mcpServers.coord.args, [CLI, '--server', server.url, 'mcp']);
    const settings = fs.readFileSync(path.join(project, '.claude', 'settings.json'), 'utf8');
    assert.ok(settings.includes(`--server ${server.url} --as agent-a hook SessionStart`), settings);
    const check = runCoord(['setup', '--check', 'claude'], { cwd: project });
    assert.strictEqual(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /claude: installed, works/);
    assert.match(check.stdout, /MCP server starts: agent-coordination/);
    assert.deepStrictEqual(
      fs.readdirSync(project).sort(),
      ['.claude', '.mcp.json'],
      'the check wrote nothing into the project',
    );
  });

  it('setup refuses a --server with credentials in it (they would land in the project config)', () => {
    const project = tempDir('coord-setup-creds-');
    const url = server.url.replace('nats://', 'nats://agent-a:secret@');
    const r = runCoord(['--server', url, '--as', 'agent-a', 'setup', 'claude'], { cwd: project });
    assert.strictEqual(r.code, 2, r.stderr);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /carries credentials/);
    assert.ok(!r.stderr.includes('secret'), 'the password is not echoed');
    assert.deepStrictEqual(fs.readdirSync(project), []);
  });
});
