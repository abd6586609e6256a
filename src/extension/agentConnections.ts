/**
 * Agents in VS Code: "Coordination: Connect an Agent…" (the core's setupAgent:
 * MCP server entry and hooks in the project's config for Claude Code, Codex,
 * Cursor or Gemini CLI) and "Open Agent Terminal" on an instance (an
 * integrated terminal whose environment says who the agent is and where the
 * directory is). Owns its commands and tells the tree which instances have a
 * terminal of ours open.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { AGENT_KINDS, isValidInstanceId, setupAgent } from '../core';
import type { AgentKind } from '../core';
import { CoordinationService, errorMessage, isUserError, UserError } from './service';

const AGENT_LABELS: Record<AgentKind, string> = {
  claude: 'Claude Code',
  codex: 'Codex',
  cursor: 'Cursor',
  gemini: 'Gemini CLI',
};

export class AgentConnections implements vscode.Disposable {
  private readonly terminals = new Map<vscode.Terminal, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when a terminal of ours opens or closes. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly service: CoordinationService,
    private readonly extensionPath: string,
  ) {
    this.disposables.push(
      this.changed,
      this.command('coordination.connectAgent', (arg) => this.connect(arg)),
      this.command('coordination.openAgentTerminal', (arg) => this.openTerminal(arg)),
      vscode.window.onDidCloseTerminal((t) => {
        if (this.terminals.delete(t)) this.changed.fire();
      }),
    );
  }

  /** Instances with an agent terminal of ours open. */
  get openTerminals(): Set<string> {
    return new Set(this.terminals.values());
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private command(id: string, fn: (arg: unknown) => Promise<unknown>): vscode.Disposable {
    return vscode.commands.registerCommand(id, async (arg?: unknown) => {
      try {
        return await fn(arg);
      } catch (error) {
        const text = errorMessage(error);
        if (isUserError(error)) this.service.log.info(`${id}: ${text}`);
        else this.service.log.error(`${id}: ${text}`);
        void vscode.window.showErrorMessage(text);
        return undefined;
      }
    });
  }

  /** Asks which agent and who it is; `{ agent, instance }` (from a program) skips the questions. */
  private async connect(arg: unknown): Promise<unknown> {
    await this.service.whenLoaded();
    const folder = this.service.folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new UserError('open a folder first: the agent is connected to a project');
    const given = (arg ?? {}) as { agent?: string; instance?: string };
    const pick =
      given.agent && (AGENT_KINDS as string[]).includes(given.agent)
        ? { label: AGENT_LABELS[given.agent as AgentKind], agent: given.agent as AgentKind }
        : await vscode.window.showQuickPick(
            AGENT_KINDS.map((k) => ({ label: AGENT_LABELS[k], agent: k })),
            { title: 'Connect an Agent', placeHolder: 'Which agent runs in this project?' },
          );
    if (!pick) return undefined;
    const instance =
      given.instance ??
      (await vscode.window.showInputBox({
        title: `Connect ${pick.label}`,
        prompt: 'Who is this agent in the coordination directory?',
        value: suggestIdentity(this.service),
        validateInput: (v) =>
          isValidInstanceId(v.trim()) ? null : "letters, digits, '-', '_' or '.', e.g. instance-2",
      }));
    if (instance === undefined) return undefined;
    if (!isValidInstanceId(instance.trim())) throw new UserError(`invalid instance id '${instance}'`);
    const changes = setupAgent({
      agent: pick.agent,
      projectDir: folder.uri.fsPath,
      instance: instance.trim(),
      dir: this.service.dir ? path.relative(folder.uri.fsPath, this.service.dir) || '.' : undefined,
      command: ['node', path.join(this.extensionPath, 'dist', 'cli.js')],
    });
    const written = changes
      .filter((c) => c.action !== 'unchanged')
      .map((c) => path.relative(folder.uri.fsPath, c.file));
    void vscode.window.showInformationMessage(
      written.length
        ? `${pick.label} connected as ${instance.trim()}: ${written.join(', ')}. Restart it in this project to load them.`
        : `${pick.label} was already connected as ${instance.trim()}.`,
    );
    return changes;
  }

  private async openTerminal(arg: unknown): Promise<vscode.Terminal | undefined> {
    await this.service.whenLoaded();
    const c = this.service.coordination;
    let id = instanceOf(arg);
    if (!id) {
      const picked = await vscode.window.showQuickPick(c.knownInstances(), {
        placeHolder: 'Open a terminal for which agent?',
      });
      if (!picked) return undefined;
      id = picked;
    }
    if (!isValidInstanceId(id)) throw new UserError(`invalid instance id '${id}'`);
    const terminal = vscode.window.createTerminal({
      name: `Agent ${id}`,
      cwd: this.service.folder?.uri.fsPath,
      env: { CLAUDE_INSTANCE_ID: id, COORDINATION_DIR: c.dir },
      iconPath: new vscode.ThemeIcon('hubot'),
    });
    this.terminals.set(terminal, id);
    this.changed.fire();
    terminal.show();
    return terminal;
  }
}

function instanceOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.replace(/^@/, '');
  if (arg && typeof arg === 'object') {
    const o = arg as { kind?: string; id?: unknown; instance?: unknown };
    if (typeof o.instance === 'string') return o.instance;
    if (o.kind === 'instance' && typeof o.id === 'string') return o.id;
  }
  return undefined;
}

/** The next instance-N not used yet. */
function suggestIdentity(service: CoordinationService): string {
  const known = new Set(service.loaded ? service.coordination.knownInstances() : []);
  for (let n = 1; ; n++) if (!known.has(`instance-${n}`)) return `instance-${n}`;
}
