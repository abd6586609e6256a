/** How a "Needs you" entry looks in the tree and in pickers: label, icon, actions. */
import * as vscode from 'vscode';
import { queueLabel } from '../../core';
import type { QueueEntry, QueueReason } from '../../core';
import { inertText, messageKey, relativeTime, snippet } from '../common/messageFormat';

const ICONS: Record<QueueReason, [string, string | undefined]> = {
  urgent: ['flame', 'errorForeground'],
  ack: ['pass', 'charts.orange'],
  question: ['question', 'charts.blue'],
  direct: ['mail', undefined],
  stuck: ['debug-pause', 'charts.yellow'],
  'claim-conflict': ['lock', 'charts.red'],
};

export function queueIcon(entry: Pick<QueueEntry, 'kind'>): vscode.ThemeIcon {
  const [id, color] = ICONS[entry.kind];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** The row: its title (untrusted text made inert), when, and its actions as context value `queue.<action>.<action>`. */
export function queueTreeItem(entry: QueueEntry): vscode.TreeItem {
  // The icon and the description say the kind; the label is who, where and what.
  const item = new vscode.TreeItem(inertText(snippet(entry.summary, 140)), vscode.TreeItemCollapsibleState.None);
  item.id = `queue:${entry.key}`;
  item.contextValue = `queue.${entry.actions.join('.')}`;
  item.iconPath = queueIcon(entry);
  item.description = `${entry.reasons.map(queueLabel).join(', ')}${entry.time ? ` · ${relativeTime(entry.time)}` : ''}`;
  item.tooltip =
    `${inertText(entry.title)}\n${entry.reasons.map(queueLabel).join(' · ')}` +
    `${entry.time ? ` · since ${entry.time}` : ''}`;
  item.accessibilityInformation = { label: `Needs you: ${inertText(entry.title)}` };
  item.command = { command: 'coordination.queue.open', title: 'Open', arguments: [{ key: entry.key }] };
  return item;
}

/** The head of a kind with more entries than are listed: how many older ones wait. */
export interface UnlistedRow {
  kind: QueueReason;
  older: number;
  listed: number;
}

export function unlistedTreeItem(row: UnlistedRow): vscode.TreeItem {
  const kind = queueLabel(row.kind);
  const older = row.older.toLocaleString('en-US');
  const item = new vscode.TreeItem(`${older} older not listed`, vscode.TreeItemCollapsibleState.None);
  item.id = `queue-older:${row.kind}`;
  item.contextValue = 'queue.older';
  item.iconPath = queueIcon({ kind: row.kind });
  item.description = `${kind} · the newest ${row.listed} below`;
  item.tooltip =
    `${older} older "${kind}" items also need you; only the newest ${row.listed} are listed. ` +
    'They leave the queue as they are read, acknowledged or answered.';
  item.accessibilityInformation = { label: `Needs you: ${older} older ${kind} items not listed` };
  return item;
}

/** Where "open" goes: the conversation, scrolled to the message when there is one. */
export function openArgs(entry: QueueEntry): { target: string; reveal?: string } {
  return entry.message ? { target: entry.target, reveal: messageKey(entry.message) } : { target: entry.target };
}
