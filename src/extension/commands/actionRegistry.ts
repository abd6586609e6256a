/**
 * How the palette commands are registered: each takes an optional argument
 * object (or a tree node from a context menu) and prompts for whatever is
 * missing. Called programmatically with arguments, a command returns its
 * result and rejects with the one-line error; from the UI it shows the error.
 */
import * as vscode from 'vscode';
import type { Coordination } from '../../core';
import { Cancelled, reportError } from '../common/reportError';
import type { ThreadPanels } from '../panels/threadPanels';
import type { CoordinationService } from '../service/coordinationService';
import type { Node } from '../views/chatroomsTree';
import type { ReportDocuments } from '../views/reportDocuments';
import type { NeedsYouModel } from '../service/needsYouModel';
import type { NeedsYouNotifier } from '../views/needsYouNotifier';

export type Args = Record<string, unknown>;

export interface CommandDeps {
  service: CoordinationService;
  panels: ThreadPanels;
  documents: ReportDocuments;
  /** The "Needs You" queue and its notifications (commands/attentionActions.ts). */
  needsYou: { model: NeedsYouModel; notifier: NeedsYouNotifier };
}

/** What an area's commands are given: the deps, the loaded library once loaded, and the identity or its error. */
export interface AreaContext extends CommandDeps {
  ready(): Promise<Coordination>;
  me(): string;
}

/** The commands of one area, by id. */
export type CommandArea = (ctx: AreaContext) => Record<string, (args: Args | undefined) => unknown>;

/** Turns whatever a command was called with (object, string, tree node) into an argument object. */
export function toArgs(arg: unknown): Args | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'string') return { target: arg };
  if (typeof arg === 'number') return { ref: arg };
  if (typeof arg !== 'object') return undefined;
  const node = arg as Node;
  if (node.kind === 'room') return { target: `#${node.room.name}`, name: node.room.name, fromTree: true };
  if (node.kind === 'dm') return { target: `@${node.peer}`, peer: node.peer, fromTree: true };
  if (node.kind === 'instance') return { target: `@${node.id}`, peer: node.id, id: node.id, fromTree: true };
  return arg as Args;
}

export function str(args: Args | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = args?.[k];
    if (typeof v === 'string' && (v.trim() !== '' || !args?.fromTree)) return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** A command was called with data (not from a menu or the palette): results are returned, errors rejected. */
export function programmatic(args: Args | undefined): boolean {
  return args !== undefined && !args.fromTree;
}

/** A short confirmation in the status bar, for commands run from the UI (not with arguments). */
export function confirm(args: Args | undefined, text: string): void {
  if (!programmatic(args)) void vscode.window.setStatusBarMessage(`$(check) ${text}`, 4000);
}

/** Registers every command of `areas`; disposing the result unregisters them. */
export function registerAreas(deps: CommandDeps, areas: CommandArea[]): vscode.Disposable {
  const { service } = deps;
  const ctx: AreaContext = {
    ...deps,
    ready: async () => {
      await service.whenLoaded();
      return service.coordination;
    },
    me: () => service.requireIdentity(),
  };
  const subscriptions: vscode.Disposable[] = [];
  for (const area of areas) {
    for (const [id, fn] of Object.entries(area(ctx))) {
      subscriptions.push(
        vscode.commands.registerCommand(id, async (arg?: unknown) => {
          const args = toArgs(arg);
          try {
            return await fn(args);
          } catch (error) {
            if (error instanceof Cancelled) return undefined;
            const text = reportError(service.log, id, error);
            if (programmatic(args)) throw new Error(text);
            return undefined;
          }
        }),
      );
    }
  }
  return vscode.Disposable.from(...subscriptions);
}
