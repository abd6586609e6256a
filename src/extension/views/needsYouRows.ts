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

export function queueIcon(entry: QueueEntry): vscode.ThemeIcon {
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

/** Where "open" goes: the conversation, scrolled to the message when there is one. */
export function openArgs(entry: QueueEntry): { target: string; reveal?: string } {
  return entry.message ? { target: entry.target, reveal: messageKey(entry.message) } : { target: entry.target };
}
