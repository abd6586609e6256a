/**
 * "Coordination: Connect an Agent…": the core's setupAgent (the same as
 * `coord setup <agent>`) writes coord's MCP server and hooks into the
 * project's config for Claude Code, Codex, Cursor or Gemini CLI.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { AGENT_KINDS, isValidInstanceId, setupAgent } from '../../core';
import type { AgentKind } from '../../core';
import { pickOrType } from '../common/prompts';
import { Cancelled, UserError } from '../common/reportError';
import { CommandArea, programmatic, str } from './actionRegistry';

const AGENT_LABELS: Record<AgentKind, string> = {
  claude: 'Claude Code',
  codex: 'Codex',
  cursor: 'Cursor',
  gemini: 'Gemini CLI',
};

export const agentActions: CommandArea = ({ service, ready }) => ({
  'coordination.connectAgent': async (args) => {
    const c = await ready();
    const folder = service.folder;
    if (!folder) throw new UserError('open a folder first: the agent is connected to a project');
    let agent = str(args, 'agent') as AgentKind | undefined;
    if (agent !== undefined && !AGENT_KINDS.includes(agent))
      throw new UserError(`unknown agent '${agent}': choose one of ${AGENT_KINDS.join(', ')}`);
    if (!agent) {
      const pick = await vscode.window.showQuickPick(
        AGENT_KINDS.map((k) => ({ label: AGENT_LABELS[k], agent: k })),
        { title: 'Connect an Agent', placeHolder: 'Which agent runs in this project?' },
      );
      if (!pick) throw new Cancelled();
      agent = pick.agent;
    }
    const instance =
      str(args, 'instance', 'id') ??
      (await pickOrType(
        c.knownInstances().map((label) => ({ label })),
        `Connect ${AGENT_LABELS[agent]}: who is it in the coordination directory?`,
        (v) => (isValidInstanceId(v) ? undefined : "letters, digits, '-', '_' or '.', e.g. instance-2"),
        false,
        'Pick an instance or type a new id (e.g. instance-4)',
      ));
    if (!isValidInstanceId(instance)) throw new UserError(`invalid instance id '${instance}'`);
    const changes = setupAgent({
      agent,
      projectDir: folder.uri.fsPath,
      instance,
      dir: path.relative(folder.uri.fsPath, c.dir) || '.',
      // dist/extension.js sits beside dist/cli.js.
      command: ['node', path.join(__dirname, 'cli.js')],
    });
    const written = changes
      .filter((x) => x.action !== 'unchanged')
      .map((x) => path.relative(folder.uri.fsPath, x.file));
    if (!programmatic(args))
      void vscode.window.showInformationMessage(
        written.length
          ? `${AGENT_LABELS[agent]} connected as ${instance}: ${written.join(', ')}. ` +
              'Restart it in this project to load them.'
          : `${AGENT_LABELS[agent]} was already connected as ${instance}.`,
      );
    return changes;
  },
});
