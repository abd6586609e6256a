/** The Chatrooms / Direct messages / Instances tree in the Coordination activity-bar container. */
import * as vscode from 'vscode';
import { Chatroom } from '../core';
import { CoordinationService, errorMessage } from './service';
import { isIdle, relativeTime, snippet } from './model';

export type Node =
  | { kind: 'group'; group: 'rooms' | 'dms' | 'instances' }
  | { kind: 'room'; room: Chatroom; unread: number }
  | { kind: 'dm'; peer: string; unread: number; messages: number; lastTime: string | null }
  | { kind: 'instance'; id: string; status: string | null; updated: string | null; self: boolean }
  | { kind: 'message'; text: string };

const GROUP_LABELS = { rooms: 'Chatrooms', dms: 'Direct messages', instances: 'Instances' } as const;

/** Decorations (dimmed closed rooms) for the tree items' resource URIs. */
export const ROOM_SCHEME = 'coordination-room';

export class CoordinationTree implements vscode.TreeDataProvider<Node>, vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Node | undefined | void>();
  private readonly decoEmitter = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  readonly onDidChangeFileDecorations = this.decoEmitter.event;
  private closedRooms = new Set<string>();

  constructor(private readonly service: CoordinationService) {}

  refresh(): void {
    this.changeEmitter.fire();
    this.decoEmitter.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!this.service.loaded) return [];
    try {
      if (!node) return [{ kind: 'group', group: 'rooms' }, { kind: 'group', group: 'dms' }, { kind: 'group', group: 'instances' }];
      if (node.kind !== 'group') return [];
      const c = this.service.coordination;
      const me = this.service.identity;
      const counts = me ? c.unreadCounts().byTarget : {};
      switch (node.group) {
        case 'rooms': {
          const rooms = c.listChatrooms();
          this.closedRooms = new Set(rooms.filter((r) => r.status === 'closed').map((r) => r.name.toLowerCase()));
          const open = rooms.filter((r) => r.status === 'open');
          const closed = rooms.filter((r) => r.status === 'closed');
          return [...open, ...closed].map((room) => ({ kind: 'room', room, unread: counts[`#${room.name}`] ?? 0 }));
        }
        case 'dms': {
          if (!me) return [{ kind: 'message', text: 'Set your identity to see direct messages' }];
          const list = c.conversations().map((conv): Node => ({ kind: 'dm', peer: conv.peer, unread: conv.unread, messages: conv.messages, lastTime: conv.last?.time ?? null }));
          return list.length ? list : [{ kind: 'message', text: 'No direct messages yet' }];
        }
        case 'instances': {
          const statuses = c.statuses();
          const ids = new Set([...c.knownInstances(), ...Object.keys(statuses)]);
          return [...ids].sort().map((id) => ({ kind: 'instance', id, status: statuses[id]?.text ?? null, updated: statuses[id]?.updated ?? null, self: id === me }));
        }
      }
    } catch (error) {
      this.service.log.warn(`tree: ${errorMessage(error)}`);
      return [{ kind: 'message', text: errorMessage(error) }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
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
        item.iconPath = new vscode.ThemeIcon(closed ? 'lock' : unread > 0 ? 'comment-unresolved' : 'comment', closed ? new vscode.ThemeColor('disabledForeground') : undefined);
        item.description = closed ? `closed${room.reason ? ` — ${room.reason}` : ''}` : unread > 0 ? `${unread} unread` : room.description ? snippet(room.description, 60) : '';
        item.resourceUri = vscode.Uri.from({ scheme: ROOM_SCHEME, path: `/${room.name}` });
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**#${escapeMd(room.name)}** — ${closed ? 'closed' : 'open'}\n\n`);
        if (room.description) tip.appendMarkdown(`${escapeMd(room.description)}\n\n`);
        if (closed && room.reason) tip.appendMarkdown(`Closed: ${escapeMd(room.reason)}\n\n`);
        tip.appendMarkdown(`${unread} unread · created by ${escapeMd(room.creator || 'unknown')}${room.created ? ` on ${room.created}` : ''}`);
        item.tooltip = tip;
        item.accessibilityInformation = { label: `Chatroom ${room.name}, ${closed ? `closed${room.reason ? `: ${room.reason}` : ''}` : `${unread} unread`}` };
        item.command = { command: 'coordination.openChatroom', title: 'Open', arguments: [{ target: label }] };
        return item;
      }
      case 'dm': {
        const label = `@${node.peer}`;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.id = `dm:${node.peer}`;
        item.contextValue = 'dm';
        item.iconPath = new vscode.ThemeIcon(node.unread > 0 ? 'mail' : 'mail-read');
        item.description = node.unread > 0 ? `${node.unread} unread` : `${node.messages} message${node.messages === 1 ? '' : 's'}`;
        item.tooltip = `Direct messages with ${node.peer}: ${node.messages} messages, ${node.unread} unread${node.lastTime ? `, last ${relativeTime(node.lastTime)}` : ''}`;
        item.accessibilityInformation = { label: `Direct messages with ${node.peer}, ${node.unread} unread` };
        item.command = { command: 'coordination.openChatroom', title: 'Open', arguments: [{ target: label }] };
        return item;
      }
      case 'instance': {
        const idle = node.updated === null || isIdle(node.updated);
        const item = new vscode.TreeItem(node.self ? `${node.id} (you)` : node.id, vscode.TreeItemCollapsibleState.None);
        item.id = `instance:${node.id}`;
        item.contextValue = node.self ? 'instance.self' : 'instance';
        item.iconPath = new vscode.ThemeIcon(idle ? 'circle-outline' : 'circle-filled', idle ? new vscode.ThemeColor('disabledForeground') : new vscode.ThemeColor('charts.green'));
        const when = node.updated ? relativeTime(node.updated) : 'no status';
        item.description = `${idle ? 'idle · ' : ''}${node.status ? snippet(node.status, 60) + ' · ' : ''}${when}`;
        item.tooltip = `${node.id}${node.self ? ' (you)' : ''}\n${node.status ?? 'No status yet'}\n${node.updated ? `Updated ${node.updated} (${when})` : ''}${idle ? '\nIdle' : ''}`;
        item.accessibilityInformation = { label: `${node.id}${node.self ? ', you' : ''}, ${idle ? 'idle, ' : ''}${node.status ?? 'no status'}, ${when}` };
        if (!node.self) item.command = { command: 'coordination.openChatroom', title: 'Open direct messages', arguments: [{ target: `@${node.id}` }] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'message';
        return item;
      }
    }
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== ROOM_SCHEME) return undefined;
    const name = uri.path.replace(/^\//, '').toLowerCase();
    if (this.closedRooms.has(name)) return { color: new vscode.ThemeColor('disabledForeground'), tooltip: 'Closed' };
    return undefined;
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.decoEmitter.dispose();
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
