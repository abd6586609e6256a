/**
 * `coord setup <agent>` and the palette's "Connect an Agent…": writes the
 * MCP server entry (named "coord") and the hooks into an agent's project
 * config files, merging with what is there. Files are edited as text (see
 * jsonEdit.ts; TOML by appending whole tables or one line), so everything
 * else stays byte for byte; an entry that is already ours is left alone, one
 * of the same name that is not ours is reported, never overwritten.
 *
 *   claude  .mcp.json (mcpServers), .claude/settings.json (hooks)
 *   codex   .codex/config.toml ([mcp_servers.coord], [features] codex_hooks), .codex/hooks.json
 *   cursor  .cursor/mcp.json (mcpServers), .cursor/hooks.json (version 1)
 *   gemini  .gemini/settings.json (mcpServers and hooks)
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError } from '../common/errors';
import { ensureDir, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { AgentKind, HookPhase, vendorEvent } from './hookEvents';
import { runHook } from './agentHooks';
import { insertJson, parseJsonText } from './jsonEdit';

export const SERVER_NAME = 'coord';

export interface SetupOptions {
  agent: AgentKind;
  /** The project root the agent runs in. */
  projectDir: string;
  /** The identity this agent acts as (CLAUDE_INSTANCE_ID in the server's env, --as on the hooks). */
  instance?: string;
  /** The coordination directory, when it is not found from the project root. */
  dir?: string;
  /** A NATS server (URL without credentials) to use instead of a directory. */
  server?: string;
  /** How to run coord, e.g. ['coord'] or [node, '/abs/dist/cli.js']. */
  command: string[];
}

export interface FileChange {
  file: string;
  action: 'created' | 'updated' | 'unchanged';
  /** What was added (or why nothing was). */
  note: string;
}

const PHASES: HookPhase[] = ['session-start', 'prompt', 'tool', 'stop'];

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function globalArgs(o: SetupOptions): string[] {
  return [
    ...(o.server ? ['--server', o.server] : []),
    ...(o.dir ? ['--dir', o.dir] : []),
    ...(o.instance ? ['--as', o.instance] : []),
  ];
}

/** The shell line a hook runs. */
export function hookCommandLine(o: SetupOptions, event: string): string {
  return [...o.command, ...globalArgs(o), 'hook', event, '--agent', o.agent].map(shellQuote).join(' ');
}

function mcpEntry(o: SetupOptions): { command: string; args: string[]; env?: Record<string, string> } {
  const env: Record<string, string> = {};
  if (o.instance) env.CLAUDE_INSTANCE_ID = o.instance;
  if (o.dir) env.COORDINATION_DIR = path.resolve(o.projectDir, o.dir);
  const args = [...o.command.slice(1), ...(o.server ? ['--server', o.server] : []), 'mcp'];
  return { command: o.command[0], args, ...(Object.keys(env).length ? { env } : {}) };
}

interface JsonPlan {
  file: string;
  /** Each wanted insertion: path of the container, key (null: array element), value, and how to tell it is there. */
  inserts: Array<{
    path: string[];
    key: string | null;
    value: unknown;
    present: (doc: unknown) => 'ours' | 'other' | 'absent';
    label: string;
  }>;
}

function get(doc: unknown, keys: string[]): unknown {
  let v = doc;
  for (const k of keys) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function mcpInsert(o: SetupOptions): JsonPlan['inserts'][number] {
  const entry = mcpEntry(o);
  return {
    path: ['mcpServers'],
    key: SERVER_NAME,
    value: entry,
    label: `MCP server '${SERVER_NAME}'`,
    present: (doc) => {
      const e = get(doc, ['mcpServers', SERVER_NAME]) as { args?: unknown } | undefined;
      if (e === undefined) return 'absent';
      return JSON.stringify(e) === JSON.stringify(entry) ? 'ours' : 'other';
    },
  };
}

/** Claude-style hooks (Claude Code, Codex, Gemini): hooks.<Event> = [{ hooks: [{ type, command }] }]. */
function nestedHookInserts(o: SetupOptions, extra: Record<string, unknown> = {}): JsonPlan['inserts'] {
  return PHASES.flatMap((phase) => {
    const event = vendorEvent(o.agent, phase);
    if (!event) return [];
    const command = hookCommandLine(o, event);
    return [
      {
        path: ['hooks', event],
        key: null,
        value: { hooks: [{ type: 'command', command, ...extra }] },
        label: `${event} hook`,
        present: (doc: unknown) => {
          const groups = get(doc, ['hooks', event]);
          if (!Array.isArray(groups)) return 'absent';
          const commands = groups.flatMap((g) => (Array.isArray(g?.hooks) ? g.hooks : [])).map((h) => h?.command);
          if (commands.includes(command)) return 'ours';
          return commands.some((c) => typeof c === 'string' && / hook \S+ --agent /.test(c) && /coord|cli\.js/.test(c))
            ? 'other'
            : 'absent';
        },
      },
    ];
  });
}

function cursorHookInserts(o: SetupOptions): JsonPlan['inserts'] {
  return PHASES.flatMap((phase) => {
    const event = vendorEvent('cursor', phase);
    if (!event) return [];
    const command = hookCommandLine(o, event);
    return [
      {
        path: ['hooks', event],
        key: null,
        value: phase === 'stop' ? { command, loop_limit: 1 } : { command },
        label: `${event} hook`,
        present: (doc: unknown) => {
          const list = get(doc, ['hooks', event]);
          if (!Array.isArray(list)) return 'absent';
          return list.some((h) => h?.command === command) ? 'ours' : 'absent';
        },
      },
    ];
  });
}

function jsonPlans(o: SetupOptions): JsonPlan[] {
  const p = (...parts: string[]) => path.join(o.projectDir, ...parts);
  switch (o.agent) {
    case 'claude':
      return [
        { file: p('.mcp.json'), inserts: [mcpInsert(o)] },
        { file: p('.claude', 'settings.json'), inserts: nestedHookInserts(o, { timeout: 10 }) },
      ];
    case 'codex':
      return [{ file: p('.codex', 'hooks.json'), inserts: nestedHookInserts(o, { timeout: 10 }) }];
    case 'cursor':
      return [
        { file: p('.cursor', 'mcp.json'), inserts: [mcpInsert(o)] },
        { file: p('.cursor', 'hooks.json'), inserts: cursorHookInserts(o) },
      ];
    case 'gemini':
      return [
        {
          file: p('.gemini', 'settings.json'),
          inserts: [mcpInsert(o), ...nestedHookInserts(o, { name: 'coord', timeout: 10000 })],
        },
      ];
  }
}

/** Files to write once every plan is known to apply: a config that cannot be read stops setup before any write. */
type PendingWrites = Array<{ file: string; text: string }>;

function applyJsonPlan(plan: JsonPlan, agent: AgentKind, pendingWrites: PendingWrites): FileChange {
  const existed = fs.existsSync(plan.file);
  let text = readTextIfExists(plan.file);
  const original = text;
  if (!existed && agent === 'cursor' && plan.file.endsWith('hooks.json')) text = '{\n  "version": 1\n}\n';
  const added: string[] = [];
  const skipped: string[] = [];
  for (const ins of plan.inserts) {
    let doc: unknown;
    try {
      doc = text.trim() === '' ? {} : parseJsonText(text);
    } catch (error) {
      throw new CoordError(
        'invalid-input',
        `${plan.file} is not valid JSON (${(error as Error).message}); fix it and run setup again`,
      );
    }
    const state = ins.present(doc);
    if (state === 'ours') continue;
    if (state === 'other') {
      skipped.push(`${ins.label} exists with other settings (kept)`);
      continue;
    }
    text = insertJson(text, ins.path, ins.key, ins.value);
    added.push(ins.label);
  }
  if (text === original) {
    return { file: plan.file, action: 'unchanged', note: skipped.length ? skipped.join('; ') : 'already set up' };
  }
  pendingWrites.push({ file: plan.file, text: text.endsWith('\n') ? text : text + '\n' });
  return {
    file: plan.file,
    action: existed ? 'updated' : 'created',
    note: [`added ${added.join(', ')}`, ...skipped].join('; '),
  };
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** .codex/config.toml: a [mcp_servers.coord] table and codex_hooks = true under [features], nothing else touched. */
function applyCodexToml(o: SetupOptions, pendingWrites: PendingWrites): FileChange {
  const file = path.join(o.projectDir, '.codex', 'config.toml');
  const existed = fs.existsSync(file);
  let text = readTextIfExists(file);
  const original = text;
  const notes: string[] = [];
  const entry = mcpEntry(o);
  if (!/^\s*\[mcp_servers\.(coord|"coord")\]\s*$/m.test(text)) {
    let table =
      `[mcp_servers.${SERVER_NAME}]\ncommand = ${tomlString(entry.command)}\n` +
      `args = [${entry.args.map(tomlString).join(', ')}]\n`;
    if (entry.env)
      table += `\n[mcp_servers.${SERVER_NAME}.env]\n${Object.entries(entry.env)
        .map(([k, v]) => `${k} = ${tomlString(v)}`)
        .join('\n')}\n`;
    text = appendTable(text, table);
    notes.push(`added [mcp_servers.${SERVER_NAME}]`);
  } else notes.push(`[mcp_servers.${SERVER_NAME}] exists (kept)`);
  if (/^\s*codex_hooks\s*=\s*true\b/m.test(text) || /^\s*features\.codex_hooks\s*=\s*true\b/m.test(text)) {
    /* already on */
  } else if (/^\s*codex_hooks\s*=/m.test(text))
    notes.push('codex_hooks is set to something else (kept; hooks need it true)');
  else {
    const features = /^\s*\[features\]\s*$/m.exec(text);
    if (features) {
      const at = features.index + features[0].length;
      text = `${text.slice(0, at)}\ncodex_hooks = true${text.slice(at)}`;
    } else text = appendTable(text, '[features]\ncodex_hooks = true\n');
    notes.push('enabled codex_hooks');
  }
  if (text === original) return { file, action: 'unchanged', note: notes.join('; ') };
  pendingWrites.push({ file, text });
  return { file, action: existed ? 'updated' : 'created', note: notes.join('; ') };
}

function appendTable(text: string, table: string): string {
  if (text === '') return table;
  return `${text}${text.endsWith('\n') ? '' : '\n'}\n${table}`;
}

/** Writes the agent's MCP entry and hooks; returns what happened to each file. */
export function setupAgent(o: SetupOptions): FileChange[] {
  if (!fs.existsSync(o.projectDir))
    throw new CoordError('not-found', `project directory ${o.projectDir} does not exist`);
  const writes: PendingWrites = [];
  const changes = jsonPlans(o).map((plan) => applyJsonPlan(plan, o.agent, writes));
  if (o.agent === 'codex') changes.unshift(applyCodexToml(o, writes));
  for (const w of writes) {
    ensureDir(path.dirname(w.file));
    writeAtomic(w.file, w.text);
  }
  return changes;
}

export interface AgentCheck {
  agent: AgentKind;
  files: Array<{ file: string; exists: boolean; mcp: boolean | null; hooks: string[] }>;
  installed: boolean;
  /** The SessionStart hook ran and answered in the agent's format. */
  works: boolean;
  /**
   * The identity and directory the MCP server entry names, when its program is there and it runs
   * `coord mcp` and nothing else: what a caller that may start processes (the CLI) starts its own
   * `coord mcp` with to see it answer. Null when there is no such entry (see problems).
   */
  mcpLaunch: McpLaunch | null;
  problems: string[];
}

export interface McpLaunch {
  dir?: string;
  instance?: string;
  server?: string;
}

interface McpEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** What is installed for one agent in the project, and whether its hook command runs. */
export async function checkAgent(o: SetupOptions): Promise<AgentCheck> {
  const problems: string[] = [];
  const files: AgentCheck['files'] = [];
  let mcp = false;
  let hookCommand: string | null = null;
  const hooks: string[] = [];
  for (const plan of jsonPlans(o)) {
    const exists = fs.existsSync(plan.file);
    const row = { file: plan.file, exists, mcp: null as boolean | null, hooks: [] as string[] };
    if (exists) {
      let doc: unknown = {};
      try {
        doc = parseJsonText(readTextIfExists(plan.file));
      } catch (error) {
        problems.push(`${plan.file} is not valid JSON: ${(error as Error).message}`);
      }
      for (const ins of plan.inserts) {
        const found = ins.present(doc) !== 'absent';
        if (ins.key === SERVER_NAME) row.mcp = found;
        else if (found) row.hooks.push(ins.label.replace(/ hook$/, ''));
      }
      if (row.mcp) mcp = true;
      hooks.push(...row.hooks);
      const events = get(doc, ['hooks']) as Record<string, unknown> | undefined;
      if (!hookCommand && events) hookCommand = findOurHook(events);
    }
    files.push(row);
  }
  if (o.agent === 'codex') {
    const file = path.join(o.projectDir, '.codex', 'config.toml');
    const text = readTextIfExists(file);
    const has = /^\s*\[mcp_servers\.(coord|"coord")\]\s*$/m.test(text);
    if (has) mcp = true;
    if (text && !/codex_hooks\s*=\s*true/.test(text))
      problems.push(`${file}: codex_hooks is not enabled, Codex will not run the hooks`);
    files.unshift({ file, exists: text !== '', mcp: has, hooks: [] });
  }
  const installed = mcp && hooks.length > 0;
  if (!mcp) problems.push(`no MCP server '${SERVER_NAME}': run coord setup ${o.agent}`);
  if (hooks.length === 0) problems.push(`no coord hooks: run coord setup ${o.agent}`);
  let works = false;
  if (hookCommand) {
    // The installed command is not run through a shell (a cloned project's config is not ours to execute):
    // its program must exist, and the hook itself runs here with the identity and directory it names.
    const words = hookCommand.split(' ').map((w) => w.replace(/^'(.*)'$/, '$1'));
    const missing = missingProgram('the hook', words[0], words[1]?.endsWith('.js') ? words[1] : null);
    if (missing) problems.push(missing);
    else {
      const flag = (name: string) => (words.indexOf(name) > 0 ? words[words.indexOf(name) + 1] : undefined);
      const event = vendorEvent(o.agent, 'session-start')!;
      const out = await runHook({
        event,
        agent: o.agent,
        payload: JSON.stringify({ hook_event_name: event, cwd: o.projectDir }),
        dir: flag('--dir'),
        instance: flag('--as'),
        server: { server: flag('--server') },
        cwd: o.projectDir,
        dryRun: true,
      });
      if (out === '')
        problems.push('the hook said nothing: no coordination directory or identity (see data/.coord-hooks.log)');
      else works = true;
    }
  }
  let mcpLaunch: McpLaunch | null = null;
  if (mcp) {
    const found = readMcpEntry(o);
    if (typeof found === 'string') problems.push(found);
    else {
      const launch = launchOf(found.entry);
      if (typeof launch === 'string') problems.push(`${found.file}: ${launch}`);
      else mcpLaunch = launch;
    }
  }
  return { agent: o.agent, files, installed, works, mcpLaunch, problems };
}

/** Why the program (and its script) a config entry runs cannot start, or null when both are there. */
function missingProgram(what: string, program: string, script: string | null): string | null {
  const found = program.includes('/') ? fs.existsSync(program) : onPath(program);
  if (!found) return `${what} runs '${program}', which is not there`;
  if (script && !fs.existsSync(script)) return `${what} runs ${script}, which is not there`;
  return null;
}

/** The MCP server entry named coord, as written (or a reason it cannot be read). */
function readMcpEntry(o: SetupOptions): { file: string; entry: McpEntry } | string {
  if (o.agent === 'codex') {
    const file = path.join(o.projectDir, '.codex', 'config.toml');
    const entry = codexEntry(readTextIfExists(file));
    return entry ? { file, entry } : `${file}: [mcp_servers.${SERVER_NAME}] is not in the form coord setup writes`;
  }
  for (const plan of jsonPlans(o)) {
    if (!plan.inserts.some((ins) => ins.key === SERVER_NAME)) continue;
    let raw: unknown;
    try {
      raw = get(parseJsonText(readTextIfExists(plan.file)), ['mcpServers', SERVER_NAME]);
    } catch {
      return `${plan.file} is not valid JSON`;
    }
    const e = raw as Partial<McpEntry> | undefined;
    const env = e?.env ?? {};
    if (
      typeof e?.command === 'string' &&
      (e.args === undefined || (Array.isArray(e.args) && e.args.every((a) => typeof a === 'string'))) &&
      typeof env === 'object' &&
      Object.values(env).every((v) => typeof v === 'string')
    )
      return { file: plan.file, entry: { command: e.command, args: e.args ?? [], env } };
    return `${plan.file}: mcpServers.${SERVER_NAME} has no command and string args`;
  }
  return `no MCP server '${SERVER_NAME}'`;
}

/** [mcp_servers.coord] (and its .env table) as coord setup writes them: command, args and env as JSON-style strings. */
function codexEntry(text: string): McpEntry | null {
  const table = (name: string): string[] | null => {
    const lines = text.split(/\r?\n/);
    const at = lines.findIndex((l) => l.trim() === `[${name}]`);
    if (at < 0) return null;
    const end = lines.findIndex((l, i) => i > at && /^\s*\[/.test(l));
    return lines.slice(at + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  };
  const values = (lines: string[]): Record<string, unknown> | null => {
    const out: Record<string, unknown> = {};
    for (const line of lines) {
      const m = /^\s*([A-Za-z0-9_-]+)\s*=\s*(.+?)\s*$/.exec(line);
      if (!m) return null;
      try {
        out[m[1]] = JSON.parse(m[2]);
      } catch {
        return null;
      }
    }
    return out;
  };
  const mainLines = table(`mcp_servers.${SERVER_NAME}`);
  const main = mainLines && values(mainLines);
  const env = values(table(`mcp_servers.${SERVER_NAME}.env`) ?? []);
  const args = main?.args ?? [];
  if (!main || !env || typeof main.command !== 'string' || !Array.isArray(args)) return null;
  if (!args.every((a) => typeof a === 'string') || !Object.values(env).every((v) => typeof v === 'string')) return null;
  return { command: main.command, args: args as string[], env: env as Record<string, string> };
}

/**
 * The config is not ours to execute: an entry is only started when its program is there and its
 * arguments are [script.js] [--server URL] [--dir D] [--as ID] mcp, and then the caller runs its own
 * `coord mcp`.
 */
function launchOf(entry: McpEntry): McpLaunch | string {
  const shown = [entry.command, ...entry.args].join(' ');
  const args = [...entry.args];
  const script = args[0]?.endsWith('.js') ? args.shift()! : null;
  const program = path.basename(entry.command);
  const runsCoord = script
    ? /^node(\.exe)?$/i.test(program) && path.basename(script) === 'cli.js'
    : /^coord(\.cmd|\.exe)?$/i.test(program);
  const missing = missingProgram(`the MCP server '${SERVER_NAME}'`, entry.command, script);
  if (missing) return missing;
  const launch: McpLaunch = { dir: entry.env.COORDINATION_DIR, instance: entry.env.CLAUDE_INSTANCE_ID };
  while (args.length > 1 && (args[0] === '--dir' || args[0] === '--as' || args[0] === '--server')) {
    const [flag, value] = args.splice(0, 2);
    if (flag === '--dir') launch.dir = value;
    else if (flag === '--server') launch.server = value;
    else launch.instance = value;
  }
  if (!runsCoord || args.length !== 1 || args[0] !== 'mcp')
    return `the MCP server '${SERVER_NAME}' runs '${shown}', which is not coord mcp; not started`;
  return launch;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, program)));
}

function findOurHook(events: Record<string, unknown>): string | null {
  for (const list of Object.values(events)) {
    if (!Array.isArray(list)) continue;
    for (const g of list) {
      const entries = Array.isArray(g?.hooks) ? g.hooks : [g];
      for (const h of entries)
        if (typeof h?.command === 'string' && / hook \S+ --agent /.test(h.command)) return h.command;
    }
  }
  return null;
}
