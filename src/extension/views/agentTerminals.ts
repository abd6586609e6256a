/**
 * "Open Agent Terminal" on an instance: an integrated terminal whose
 * environment says who the agent is (CLAUDE_INSTANCE_ID) and where the
 * directory is (COORDINATION_DIR), so `coord`, `coord mcp` and the hooks of an
 * agent started there act as that instance. Tracks which instances have one
 * open, for the tree's live marker.
 */
import * as vscode from 'vscode';
import { isValidInstanceId } from '../../core';
import { Disposable } from '../common/dispose';
import { pickOrType } from '../common/prompts';
import { reportError, UserError } from '../common/reportError';
import { CoordinationService } from '../service/coordinationService';

export const OPEN_AGENT_TERMINAL_COMMAND = 'coordination.openAgentTerminal';

export class AgentTerminals extends Disposable {
  private readonly terminals = new Map<vscode.Terminal, string>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when a terminal of ours opens or closes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly service: CoordinationService) {
    super();
    this._register(
      vscode.commands.registerCommand(OPEN_AGENT_TERMINAL_COMMAND, (arg?: unknown) =>
        this.open(arg).catch((error) => {
          reportError(service.log, OPEN_AGENT_TERMINAL_COMMAND, error);
          return undefined;
        }),
      ),
    );
    this._register(
      vscode.window.onDidCloseTerminal((t) => {
        if (this.terminals.delete(t)) this.changed.fire();
      }),
    );
  }

  /** Instances with an agent terminal of ours open. */
  get openIds(): Set<string> {
    return new Set(this.terminals.values());
  }

  /** Opens a terminal for the instance of a tree row, an id, or one picked. */
  async open(arg: unknown): Promise<vscode.Terminal> {
    await this.service.whenLoaded();
    const c = this.service.coordination;
    const id =
      instanceOf(arg) ??
      (await pickOrType(
        c.knownInstances().map((label) => ({ label })),
        'Open a terminal for which agent?',
        (v) => (isValidInstanceId(v) ? undefined : "letters, digits, '-', '_' or '.', e.g. instance-2"),
      ));
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

  override dispose(): void {
    this.terminals.clear();
    super.dispose();
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
