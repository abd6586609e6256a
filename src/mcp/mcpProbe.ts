/**
 * `coord setup --check` asks the MCP server entry it found to answer: it
 * starts this build's own `coord mcp` (node and dist/cli.js, an argument
 * list, no shell; never the config's command line) with the identity and
 * directory the entry names, does the MCP initialize handshake through the
 * SDK's client, and stops it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export interface McpProbe {
  /** The coord CLI to start (dist/cli.js of this build). */
  cli: string;
  dir?: string;
  instance?: string;
  server?: string;
  /** Where the agent would start it: the project root. */
  cwd: string;
  timeoutMs: number;
}

export type McpProbeResult = { ok: true; ms: number; server: string } | { ok: false; problem: string };

export async function probeMcpServer(o: McpProbe): Promise<McpProbeResult> {
  // The entry's identity, directory and server alone count, not the ones this shell happens to have.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !['CLAUDE_INSTANCE_ID', 'COORDINATION_DIR', 'COORD_SERVER'].includes(k)) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      o.cli,
      ...(o.server ? ['--server', o.server] : []),
      ...(o.dir ? ['--dir', o.dir] : []),
      ...(o.instance ? ['--as', o.instance] : []),
      'mcp',
    ],
    env,
    cwd: o.cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new Client({ name: 'coord-setup-check', version: '1.0.0' });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to initialize within ${o.timeoutMs} ms`)), o.timeoutMs);
  });
  try {
    await Promise.race([client.connect(transport), timeout]);
    const info = client.getServerVersion();
    return { ok: true, ms: Date.now() - started, server: `${info?.name ?? '?'} ${info?.version ?? ''}`.trim() };
  } catch (error) {
    const said = stderr.trim().split('\n')[0];
    return { ok: false, problem: said || (error as Error)?.message || String(error) };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}
