/** Commands that set things up: identity, status, the directory, reloading, copying a name. */
import * as path from 'path';
import * as vscode from 'vscode';
import { initCoordination, isValidInstanceId } from '../../core';
import { askText, pickOrType } from '../common/prompts';
import { Cancelled, UserError } from '../common/reportError';
import { proposedDirectory } from '../service/workspaceDirectory';
import { CommandArea, programmatic, str } from './actionRegistry';

export const setupActions: CommandArea = ({ service, ready, me }) => ({
  'coordination.updateStatus': async (args) => {
    const c = await ready();
    const self = me();
    const current = c.statuses()[self]?.text;
    const text =
      str(args, 'text', 'status') ??
      (await askText({ prompt: `Status of ${self}`, placeHolder: 'What are you working on?', value: current }));
    return service.write('updated status', () => c.updateStatus(text));
  },
  'coordination.setIdentity': async (args) => {
    let id = str(args, 'id', 'instance', 'instanceId');
    if (!id) {
      const known = service.loaded ? service.coordination.knownInstances() : [];
      const statuses = service.loaded ? service.coordination.statuses() : {};
      id = await pickOrType(
        known.map((k) => ({
          label: k,
          description: k === service.identity ? '(current)' : undefined,
          detail: statuses[k]?.text,
        })),
        'Agent Coordination: who are you?',
        (v) => (isValidInstanceId(v) ? undefined : "not a valid id: use letters, digits, '-', '_' or '.'"),
        false,
        'Pick an instance or type a new id (e.g. instance-4)',
      );
    }
    await service.setIdentity(id.replace(/^@/, ''));
    return service.identity;
  },

  'coordination.initializeDirectory': async (args) => {
    let dir = str(args, 'dir', 'directory');
    if (!dir) {
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
      let folder = folders[0];
      if (folders.length > 1 && !programmatic(args)) {
        const pick = await vscode.window.showWorkspaceFolderPick({
          placeHolder: 'Create the coordination directory in which folder?',
        });
        if (!pick) throw new Cancelled();
        folder = pick;
      }
      const proposed = proposedDirectory(folder);
      if (!proposed) throw new UserError('open a folder first: the coordination directory lives in the workspace');
      dir = proposed;
    }
    const id = service.identity ?? undefined;
    const { created } = initCoordination(path.resolve(dir), { instance: id, env: {} });
    service.log.info(`${created ? 'created' : 'completed'} coordination directory ${dir}`);
    await service.load();
    if (!programmatic(args))
      void vscode.window.showInformationMessage(`Agent Coordination: ${created ? 'created' : 'already had'} ${dir}`);
    return dir;
  },

  'coordination.refresh': async () => {
    await service.load();
  },

  'coordination.copyName': async (args) => {
    const target = str(args, 'target', 'name');
    if (!target) throw new UserError('nothing to copy: use this from the Chatrooms view');
    const text = target.startsWith('#') || target.startsWith('@') ? target : `#${target}`;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`$(clippy) Copied ${text}`, 3000);
    return text;
  },
});
