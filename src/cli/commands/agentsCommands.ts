/**
 * `coord` commands of the Agents area: the MCP server (`mcp`), the hooks an
 * agent runs (`hook`), and `setup`, which installs both for an agent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import {
  AGENT_KINDS,
  checkAgent,
  CoordError,
  runHook,
  sanitizeForTerminal,
  serverOptionsFrom,
  describeServer,
  setupAgent,
} from '../../core';
import type { AgentCheck, AgentKind, FileChange, ServerOptions } from '../../core';
import { emitFor, globals } from '../cliContext';
import type { CommandArea } from '../cliContext';
import type { McpProbe, McpProbeResult } from '../../mcp/mcpProbe';

/** The MCP server is its own bundle (dist/mcp.js), so the SDK is loaded only by `coord mcp` and `setup --check`. */
interface McpModule {
  runMcpServer(options: { dir?: string; instance?: string; server?: ServerOptions | null }): Promise<void>;
  probeMcpServer(probe: McpProbe): Promise<McpProbeResult>;
}

function loadMcpModule(): McpModule {
  const file = path.join(__dirname, 'mcp.js');
  if (!fs.existsSync(file)) throw new CoordError('io', `${file} is missing; run npm run build`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle of its own, found at run time
  return require(file) as McpModule;
}

/** How long `setup --check` gives the MCP server to start and answer initialize. */
const MCP_CHECK_TIMEOUT_MS = 5000;

type CheckReport = AgentCheck & {
  /** Our `coord mcp`, started as the entry says, answered initialize (null: not tried, see problems). */
  mcpStarts: boolean | null;
  mcpAnswer?: string;
};

export const agentsArea: CommandArea = {
  title: 'Agents',
  register(program: Command): void {
    program
      .command('mcp')
      .description('run the MCP server on stdin/stdout (what `coord setup` registers with an agent)')
      .action(async (_opts: unknown, cmd: Command) => {
        const g = globals(cmd);
        const server = serverOptionsFrom({ server: g.server, creds: g.creds });
        await loadMcpModule().runMcpServer({ dir: g.dir, instance: g.as, server });
      });

    program
      .command('hook')
      .description("run as an agent's hook: read its JSON payload on stdin, print what its protocol expects")
      .argument('<event>', "SessionStart, UserPromptSubmit, PostToolUse, Stop (or the agent's own name for them)")
      .option('--agent <agent>', `whose protocol: ${AGENT_KINDS.join(', ')}`, 'claude')
      .action(async (event: string, opts: { agent: string }, cmd: Command) => {
        const g = globals(cmd);
        const payload = process.stdin.isTTY ? '' : await readStdin();
        const agent = (AGENT_KINDS as string[]).includes(opts.agent) ? (opts.agent as AgentKind) : 'claude';
        const server = { server: g.server, creds: g.creds };
        const text = await runHook({ event, agent, payload, dir: g.dir, instance: g.as, server });
        if (text) process.stdout.write(text);
      });

    program
      .command('setup')
      .description("connect an agent: write coord's MCP server and hooks into its project config (--check: report)")
      .argument('[agent]', AGENT_KINDS.join(' | '))
      .option('--check', 'report what is installed for each agent and whether it works')
      .option('--project <dir>', 'the project root (default: the current directory)')
      .addOption(
        new Option(
          '--command <line>',
          'how the agent should run coord (default: coord if on PATH, else node + this file)',
        ),
      )
      .action(
        async (
          agent: string | undefined,
          opts: { check?: boolean; project?: string; command?: string },
          cmd: Command,
        ) => {
          const g = globals(cmd);
          const projectDir = path.resolve(opts.project ?? process.cwd());
          const command = opts.command ? opts.command.split(/\s+/).filter(Boolean) : defaultCommand();
          const kinds = agent === undefined ? (opts.check ? AGENT_KINDS : []) : [parseAgent(agent)];
          if (kinds.length === 0)
            throw new CoordError('usage', `name the agent: coord setup ${AGENT_KINDS.join('|')} [--as ID]`);
          const base = {
            projectDir,
            instance: g.as ?? (process.env.CLAUDE_INSTANCE_ID || undefined),
            dir: g.dir,
            server: setupServer(g.server),
            command,
          };
          if (opts.check) {
            const reports: CheckReport[] = [];
            for (const k of kinds)
              reports.push(await tryMcpServer(await checkAgent({ ...base, agent: k }), projectDir));
            emitFor(cmd, reports, () => reports.map(formatCheck).join('\n'));
            if (agent !== undefined && !(reports[0].works && reports[0].mcpStarts)) process.exitCode = 1;
            return;
          }
          const changes = setupAgent({ ...base, agent: kinds[0] });
          emitFor(cmd, { agent: kinds[0], changes }, () => {
            const text = formatChanges(kinds[0], changes);
            return base.instance
              ? text
              : `${text}\nNo --as given: start the agent with CLAUDE_INSTANCE_ID set (e.g. in an agent terminal).`;
          });
        },
      );
  },
};

/** The --server that setup writes into the agent's config: checked, never with credentials (configs get committed). */
function setupServer(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const server = serverOptionsFrom({ server: url }, {});
  if (server && describeServer(url) !== url)
    throw new CoordError(
      'usage',
      `--server ${describeServer(url)} carries credentials, which setup would write into the project's config; ` +
        'give the URL alone and the agent COORD_USER/COORD_PASSWORD, COORD_TOKEN or --creds in its environment',
    );
  return url;
}

function parseAgent(name: string): AgentKind {
  if ((AGENT_KINDS as string[]).includes(name)) return name as AgentKind;
  throw new CoordError(
    'usage',
    `unknown agent '${sanitizeForTerminal(name)}': choose one of ${AGENT_KINDS.join(', ')}`,
  );
}

/** `coord` when the one on PATH is this very file, else node and the absolute path of this CLI. */
function defaultCommand(): string[] {
  const self = path.join(__dirname, 'cli.js');
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    try {
      if (dir && fs.realpathSync(path.join(dir, 'coord')) === fs.realpathSync(self)) return ['coord'];
    } catch {
      /* not here */
    }
  }
  return [process.execPath, self];
}

function formatChanges(agent: AgentKind, changes: FileChange[]): string {
  const lines = changes.map((c) => `${c.action.padEnd(9)} ${c.file}: ${c.note}`);
  lines.push(`Restart ${agent} in this project to load them; coord setup --check ${agent} tests the hook.`);
  return lines.join('\n');
}

/** Starts our own `coord mcp` with the identity and directory the agent's entry names, and asks it to answer. */
async function tryMcpServer(r: AgentCheck, projectDir: string): Promise<CheckReport> {
  if (!r.mcpLaunch) return { ...r, mcpStarts: null };
  const answer = await loadMcpModule().probeMcpServer({
    cli: path.join(__dirname, 'cli.js'),
    ...r.mcpLaunch,
    cwd: projectDir,
    timeoutMs: MCP_CHECK_TIMEOUT_MS,
  });
  if (answer.ok) return { ...r, mcpStarts: true, mcpAnswer: `${answer.server} answered initialize in ${answer.ms} ms` };
  return { ...r, mcpStarts: false, problems: [...r.problems, `the MCP server did not start: ${answer.problem}`] };
}

function formatCheck(r: CheckReport): string {
  const works = r.works && r.mcpStarts;
  const lines = [
    `${r.agent}: ${!r.installed ? 'not installed' : works ? 'installed, works' : 'installed, NOT working'}`,
  ];
  for (const f of r.files)
    lines.push(
      `  ${f.exists ? 'found  ' : 'missing'} ${f.file}${f.mcp ? ' (MCP server)' : ''}` +
        `${f.hooks.length ? ` (hooks: ${f.hooks.join(', ')})` : ''}`,
    );
  if (r.mcpStarts) lines.push(`  MCP server starts: ${r.mcpAnswer}`);
  for (const p of r.problems) lines.push(`  - ${sanitizeForTerminal(p)}`);
  return lines.join('\n');
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (d: Buffer) => {
      // A payload is small; a flood is cut (and then fails to parse, which is harmless).
      if (size < 4 * 1024 * 1024) chunks.push(d);
      size += d.length;
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}
