/**
 * The data of the Chatrooms / Direct messages / Instances tree: its rows,
 * how each row looks, and the closed rooms' decoration. ChatroomsView shows it.
 */
import * as vscode from 'vscode';
import { Chatroom, instancePresence } from '../../core';
import { Disposable } from '../common/dispose';
import { relativeTime, snippet } from '../common/messageFormat';
import { errorMessage } from '../common/reportError';
import { CoordinationService } from '../service/coordinationService';

export type Node =
  | { kind: 'group'; group: 'rooms' | 'dms' | 'instances' }
  | { kind: 'room'; room: Chatroom; unread: number }
  | { kind: 'dm'; peer: string; unread: number; messages: number; lastTime: string | null }
  | {
      kind: 'instance';
      id: string;
      status: string | null;
      updated: string | null;
      self: boolean;
      /** You (this window), active lately (the core's presence rule), or an agent terminal of ours is open. */
      live: boolean;
      terminal: boolean;
    }
  | { kind: 'message'; group: 'rooms' | 'dms' | 'instances'; text: string };

const GROUP_LABELS = { rooms: 'Chatrooms', dms: 'Direct messages', instances: 'Instances' } as const;

/** Decorations (dimmed closed rooms) for the tree items' resource URIs. */
export const ROOM_SCHEME = 'coordination-room';

/**
 * What a click on a row runs. It carries no arguments: VS Code keeps a row
 * command's arguments only until the row is next refreshed (then "Actual
 * command not found"), and rows refresh on every write by any agent. The
 * command opens the row selected at the time of the click instead.
 */
export const OPEN_ROW_COMMAND = 'coordination.openRow';

export class CoordinationTree
  extends Disposable
  implements vscode.TreeDataProvider<Node>, vscode.FileDecorationProvider
{
  private readonly changeEmitter = this._register(new vscode.EventEmitter<Node | Node[] | undefined | void>());
  private readonly decoEmitter = this._register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  readonly onDidChangeFileDecorations = this.decoEmitter.event;
  private closedRooms = new Set<string>();
  /** The group nodes are the same objects for the tree's lifetime, so a change can name the group it is in. */
  private readonly groups = {
    rooms: { kind: 'group', group: 'rooms' },
    dms: { kind: 'group', group: 'dms' },
    instances: { kind: 'group', group: 'instances' },
  } as const satisfies Record<string, Node>;
  /** What each group showed last time (labels, descriptions, counts, icons...), and what the root was for. */
  private signatures = new Map<string, string>();
  private rootKey: string | null = null;

  constructor(
    private readonly service: CoordinationService,
    /** Instances with an agent terminal of ours open. */
    private readonly terminals: () => Set<string> = () => new Set(),
  ) {
    super();
  }

  /**
   * Called after every change of the directory. Tells VS Code only about the
   * groups whose visible content changed (none when nothing did): VS Code
   * forgets a group's rows until it has asked for them again.
   */
  refresh(): void {
    const rootKey = this.service.loaded ? `${this.service.dir}|${this.service.identity ?? ''}` : '';
    const closedBefore = [...this.closedRooms].sort().join('/');
    const changed: Node[] = [];
    const next = new Map<string, string>();
    if (rootKey) {
      for (const group of Object.values(this.groups)) {
        const sig = this.children(group)
          .map((n) => itemSignature(this.getTreeItem(n)))
          .join('\n');
        next.set(group.group, sig);
        if (this.signatures.get(group.group) !== sig) changed.push(group);
      }
    } else this.closedRooms = new Set();
    const rootChanged = rootKey !== this.rootKey;
    this.rootKey = rootKey;
    this.signatures = next;
    if (rootChanged) this.changeEmitter.fire();
    else if (changed.length) this.changeEmitter.fire(changed);
    if (rootChanged || [...this.closedRooms].sort().join('/') !== closedBefore) this.decoEmitter.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!this.service.loaded) return [];
    if (!node) return [this.groups.rooms, this.groups.dms, this.groups.instances];
    return this.children(node);
  }

  private children(node: Node): Node[] {
    if (node.kind !== 'group') return [];
    try {
      const c = this.service.coordination;
      const me = this.service.identity;
      switch (node.group) {
        case 'rooms': {
          // Shared with the status bar: computed once per change.
          const counts = this.service.unread.summary()?.byTarget ?? {};
          const rooms = c.listChatrooms();
          this.closedRooms = new Set(rooms.filter((r) => r.status === 'closed').map((r) => r.name.toLowerCase()));
          const open = rooms.filter((r) => r.status === 'open');
          const closed = rooms.filter((r) => r.status === 'closed');
          return [...open, ...closed].map((room) => ({ kind: 'room', room, unread: counts[`#${room.name}`] ?? 0 }));
        }
        case 'dms': {
          if (!me) return [{ kind: 'message', group: 'dms', text: 'Set your identity to see direct messages' }];
          const list = c.conversations().map((conv): Node => ({
            kind: 'dm',
            peer: conv.peer,
            unread: conv.unread,
            messages: conv.messages,
            lastTime: conv.last?.time ?? null,
          }));
          return list.length ? list : [{ kind: 'message', group: 'dms', text: 'No direct messages yet' }];
        }
        case 'instances': {
          const terminals = this.terminals();
          return instancePresence(c).map((p) => ({
            kind: 'instance',
            id: p.instance,
            status: p.status?.text ?? null,
            updated: p.status?.updated ?? null,
            self: p.instance === me,
            live: p.instance === me || p.active || terminals.has(p.instance),
            terminal: terminals.has(p.instance),
          }));
        }
      }
    } catch (error) {
      this.service.log.warn(`tree: ${errorMessage(error)}`);
      return [{ kind: 'message', group: node.group, text: errorMessage(error) }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = rowItem(node);
    if (rowTarget(node)) item.command = { command: OPEN_ROW_COMMAND, title: 'Open' };
    return item;
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== ROOM_SCHEME) return undefined;
    const name = uri.path.replace(/^\//, '').toLowerCase();
    if (this.closedRooms.has(name)) return { color: new vscode.ThemeColor('disabledForeground'), tooltip: 'Closed' };
    return undefined;
  }
}

/** How a row looks. */
function rowItem(node: Node): vscode.TreeItem {
  switch (node.kind) {
    case 'group': {
      const item = new vscode.TreeItem(GROUP_LABELS[node.group], vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.group}`;
      item.contextValue = `group.${node.group}`;
      return item;
    }
    case 'room': {
      const { room, unread } = node;
      const label = `#${room.name}`;
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.id = `room:${room.name}`;
      const closed = room.status === 'closed';
      item.contextValue = closed ? 'room.closed' : 'room.open';
      item.iconPath = new vscode.ThemeIcon(
        closed ? 'lock' : unread > 0 ? 'comment-unresolved' : 'comment',
        closed ? new vscode.ThemeColor('disabledForeground') : undefined,
      );
      item.description = closed
        ? `closed${room.reason ? ` — ${room.reason}` : ''}`
        : unread > 0
          ? `${unread} unread`
          : room.description
            ? snippet(room.description, 60)
            : '';
      item.resourceUri = vscode.Uri.from({ scheme: ROOM_SCHEME, path: `/${room.name}` });
      const tip = new vscode.MarkdownString(undefined, true);
      tip.appendMarkdown(`**#${escapeMd(room.name)}** — ${closed ? 'closed' : 'open'}\n\n`);
      if (room.description) tip.appendMarkdown(`${escapeMd(room.description)}\n\n`);
      if (closed && room.reason) tip.appendMarkdown(`Closed: ${escapeMd(room.reason)}\n\n`);
      tip.appendMarkdown(
        `${unread} unread · created by ${escapeMd(room.creator || 'unknown')}` +
          `${room.created ? ` on ${room.created}` : ''}`,
      );
      item.tooltip = tip;
      const state = closed ? `closed${room.reason ? `: ${room.reason}` : ''}` : `${unread} unread`;
      item.accessibilityInformation = { label: `Chatroom ${room.name}, ${state}` };
      return item;
    }
    case 'dm': {
      const label = `@${node.peer}`;
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.id = `dm:${node.peer}`;
      item.contextValue = 'dm';
      item.iconPath = new vscode.ThemeIcon(node.unread > 0 ? 'mail' : 'mail-read');
      item.description =
        node.unread > 0 ? `${node.unread} unread` : `${node.messages} message${node.messages === 1 ? '' : 's'}`;
      item.tooltip =
        `Direct messages with ${node.peer}: ${node.messages} messages, ${node.unread} unread` +
        `${node.lastTime ? `, last ${relativeTime(node.lastTime)}` : ''}`;
      item.accessibilityInformation = { label: `Direct messages with ${node.peer}, ${node.unread} unread` };
      return item;
    }
    case 'instance': {
      const idle = !node.live;
      const item = new vscode.TreeItem(node.self ? `${node.id} (you)` : node.id, vscode.TreeItemCollapsibleState.None);
      item.id = `instance:${node.id}`;
      item.contextValue = node.self ? 'instance.self' : 'instance';
      item.iconPath = new vscode.ThemeIcon(
        idle ? 'circle-outline' : 'circle-filled',
        idle ? new vscode.ThemeColor('disabledForeground') : new vscode.ThemeColor('charts.green'),
      );
      const when = node.updated ? relativeTime(node.updated) : 'no status';
      item.description = `${idle ? 'idle · ' : ''}${node.status ? snippet(node.status, 60) + ' · ' : ''}${when}`;
      item.tooltip =
        `${node.id}${node.self ? ' (you)' : ''}\n${node.status ?? 'No status yet'}\n` +
        `${node.updated ? `Updated ${node.updated} (${when})` : ''}` +
        `${idle ? '\nIdle' : ''}${node.terminal ? '\nAgent terminal open' : ''}`;
      item.accessibilityInformation = {
        label: `${node.id}${node.self ? ', you' : ''}, ${idle ? 'idle, ' : ''}${node.status ?? 'no status'}, ${when}`,
      };
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.id = `message:${node.group}`;
      item.contextValue = 'message';
      return item;
    }
  }
}

/** The conversation a row opens ("#room" / "@peer"), if it opens one. */
export function rowTarget(node: Node): string | undefined {
  if (node.kind === 'room') return `#${node.room.name}`;
  if (node.kind === 'dm') return `@${node.peer}`;
  if (node.kind === 'instance' && !node.self) return `@${node.id}`;
  return undefined;
}

/** Everything a row shows or does, as one string: equal signatures render the same row. */
export function itemSignature(item: vscode.TreeItem): string {
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const icon =
    item.iconPath instanceof vscode.ThemeIcon
      ? `${item.iconPath.id}/${item.iconPath.color?.id ?? ''}`
      : String(item.iconPath ?? '');
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
  return JSON.stringify([
    item.id,
    label,
    item.description ?? '',
    item.contextValue ?? '',
    icon,
    tooltip,
    item.accessibilityInformation?.label ?? '',
    item.command?.command ?? '',
    item.collapsibleState ?? 0,
  ]);
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
