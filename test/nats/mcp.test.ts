/**
 * `coord mcp --server`: the MCP server on the NATS backend, driven by the
 * SDK's client over stdio as an agent would run it, while other "machines"
 * (`coord --server` processes) write. The same tools and resource
 * notifications as on the directory, and nothing written to the working
 * directory.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI, runCoordAsync, tempDir } from '../support/helpers';
import { expectUpdatedWithin } from '../support/mcpUpdates';
import { NatsServer, startServer } from './natsServer';

type TextResult = { content: Array<{ type: string; text: string }>; isError?: boolean };

function text(r: unknown): string {
  return (r as TextResult).content.map((c) => c.text).join('\n');
}

describe('NATS: coord mcp on the server', function () {
  this.timeout(60000);
  let server: NatsServer;
  let client: Client;
  let cwd: string;

  const coord = (as: string, ...args: string[]) => runCoordAsync(['--server', server.url, ...args], { as });

  before(async () => {
    server = await startServer();
    for (const as of ['agent-a', 'agent-b', 'agent-c']) {
      const r = await coord(as, 'update-status', 'ready');
      assert.strictEqual(r.code, 0, r.stderr);
    }
    const created = await coord('agent-b', 'create-chatroom', 'backend', 'server work');
    assert.strictEqual(created.code, 0, created.stderr);
    cwd = tempDir('coord-mcp-nats-cwd-');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !['CLAUDE_INSTANCE_ID', 'COORDINATION_DIR', 'COORD_SERVER'].includes(k)) env[k] = v;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--server', server.url, 'mcp'],
      env: { ...env, CLAUDE_INSTANCE_ID: 'agent-a' },
      cwd,
      stderr: 'pipe',
    });
    client = new Client({ name: 'coord-test', version: '1.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
  });

  it('tells the agent it is on the coordination server', () => {
    assert.match(
      client.getInstructions() ?? '',
      /You are agent-a on the coordination server nats:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('sends through the stream: the number is the one every other machine sees', async () => {
    const r = text(await client.callTool({ name: 'send', arguments: { to: '#backend', text: 'schema is ready' } }));
    const number = Number(/^Sent #(\d+) to #backend\.$/.exec(r)?.[1]);
    assert.ok(number > 0, r);
    const seen = await coord('agent-b', '--json', 'thread', String(number));
    assert.strictEqual(seen.code, 0, seen.stderr);
    assert.strictEqual(JSON.parse(seen.stdout)[0].text, 'schema is ready');
    assert.strictEqual(JSON.parse(seen.stdout)[0].from, 'agent-a');
  });

  it("reads another machine's message from the inbox and search, marked as another agent's", async () => {
    const sent = await coord('agent-b', '--json', 'send', '#backend', '@agent-a the migration window is 15:00');
    assert.strictEqual(sent.code, 0, sent.stderr);
    const inbox = text(await client.callTool({ name: 'inbox', arguments: {} }));
    assert.match(inbox, /the migration window is 15:00/);
    assert.match(inbox, /written by another AI agent/);
    assert.match(inbox, /message #\d+ from agent-b \(#backend, /);
    const found = text(await client.callTool({ name: 'search', arguments: { query: 'migration window' } }));
    assert.match(found, new RegExp(`#${JSON.parse(sent.stdout).number}\\b`));
    const rooms = text(await client.callTool({ name: 'rooms', arguments: {} }));
    assert.match(rooms, /#backend open/);
  });

  it("sends resources/updated within a second of another machine's send", async () => {
    await expectUpdatedWithin(client, ['coord://inbox', 'coord://rooms/backend'], 1000, async () => {
      const r = await coord('agent-b', 'send', '#backend', 'new work for @agent-a');
      assert.strictEqual(r.code, 0, r.stderr);
    });
    const body = await client.readResource({ uri: 'coord://inbox' });
    assert.match(String((body.contents[0] as { text?: string }).text), /new work for @agent-a/);
  });

  it('writes nothing into the working directory', () => {
    assert.deepStrictEqual(fs.readdirSync(cwd), []);
  });
});
