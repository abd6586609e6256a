/**
 * The prompts the commands ask with: text input, and quick picks of a room,
 * an instance, a message or a conversation that also accept a typed value.
 * Dismissing one throws Cancelled.
 */
import * as vscode from 'vscode';
import { Message, MessageRef, isValidInstanceId } from '../../core';
import type { CoordinationBackend } from '../../core';
import { conversationOf, refLabel, relativeTime, snippet, timeMillis } from './messageFormat';
import { Cancelled, UserError } from './reportError';

/** What the pickers read of the extension's service (service/coordinationService.ts). */
export interface PickerSource {
  readonly coordination: CoordinationBackend;
  readonly identity: string | null;
  readonly unread: { summary(): { byTarget: Record<string, number> } | null };
}

export function parseRef(text: string): MessageRef {
  const t = text.trim().replace(/^#/, '');
  if (/^\d+$/.test(t) && t.length < 8) return Number(t);
  if (/^[0-9a-f]{8}$/i.test(t)) return t.toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  throw new UserError(`'${text}' is not a message number or 8-hex id`);
}

export function messageItem(m: Message, me: string | null, icon?: string): vscode.QuickPickItem & { message: Message } {
  return {
    label: `${icon ? `${icon} ` : ''}${m.from} → ${conversationOf(m, me)}`,
    description: `${refLabel(m)} · ${m.time} (${relativeTime(m.time)})`,
    detail: snippet(m.text, 200),
    message: m,
  };
}

export async function askText(opts: {
  prompt: string;
  placeHolder?: string;
  value?: string;
  allowEmpty?: boolean;
  validateInput?: (v: string) => string | undefined;
}): Promise<string> {
  const v = await vscode.window.showInputBox({
    prompt: opts.prompt,
    placeHolder: opts.placeHolder,
    value: opts.value,
    ignoreFocusOut: true,
    validateInput:
      opts.validateInput ??
      ((s) => (opts.allowEmpty || s.trim() ? undefined : 'Type some text, or press Escape to cancel')),
  });
  if (v === undefined) throw new Cancelled();
  return v;
}

export async function pickTarget(service: PickerSource, title: string, includeClosed = false): Promise<string> {
  const c = service.coordination;
  const counts = service.unread.summary()?.byTarget ?? {};
  const rooms = c.listChatrooms().filter((r) => includeClosed || r.status === 'open');
  const instances = c.knownInstances().filter((i) => i !== service.identity);
  const items: vscode.QuickPickItem[] = [
    { label: 'Chatrooms', kind: vscode.QuickPickItemKind.Separator },
    ...rooms.map((r) => ({
      label: `#${r.name}`,
      description:
        r.status === 'closed' ? 'closed' : counts[`#${r.name}`] ? `${counts[`#${r.name}`]} unread` : undefined,
      detail: r.description || undefined,
    })),
    { label: 'Instances', kind: vscode.QuickPickItemKind.Separator },
    ...instances.map((i) => ({
      label: `@${i}`,
      description: counts[`@${i}`] ? `${counts[`@${i}`]} unread` : undefined,
      detail: c.statuses()[i]?.text,
    })),
  ];
  return pickOrType(items, title, (v) =>
    /^[#@]?[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(v) ? undefined : 'Type #room or @instance',
  );
}

export async function pickRoom(service: PickerSource, title: string, status: 'open' | 'closed'): Promise<string> {
  const rooms = service.coordination.listChatrooms().filter((r) => r.status === status);
  if (rooms.length === 0) throw new UserError(`there are no ${status} chatrooms`);
  const pick = await vscode.window.showQuickPick(
    rooms.map((r) => ({
      label: `#${r.name}`,
      description: r.status === 'closed' ? r.reason : undefined,
      detail: r.description || undefined,
    })),
    { title, placeHolder: 'Chatroom', matchOnDetail: true },
  );
  if (!pick) throw new Cancelled();
  return pick.label.slice(1);
}

export async function pickInstance(service: PickerSource, title: string, self: string): Promise<string> {
  const c = service.coordination;
  const statuses = c.statuses();
  const items = c
    .knownInstances()
    .filter((i) => i !== self)
    .map((i) => ({
      label: i,
      detail: statuses[i]?.text,
      description: statuses[i] ? relativeTime(statuses[i].updated) : undefined,
    }));
  return pickOrType(items, title, (v) =>
    isValidInstanceId(v.replace(/^@/, '')) ? undefined : 'Type an instance id, e.g. instance-2',
  );
}

/** Recent visible messages; a typed number or 8-hex id is accepted too. */
export async function pickMessage(service: PickerSource, title: string): Promise<string> {
  const c = service.coordination;
  const recent: Message[] = [];
  // The newest messages first, a larger window each time until 200 visible ones are found (or there are no more).
  for (let window = 400, seen = 0; recent.length < 200; window *= 4) {
    const last = c.lastMessages(window);
    for (let i = last.length - 1 - seen; i >= 0 && recent.length < 200; i--) {
      try {
        if (c.isVisible(last[i])) recent.push(last[i]);
      } catch {
        /* skip */
      }
    }
    if (last.length < window) break;
    seen = last.length;
  }
  recent.sort((a, b) => (timeMillis(b.time) || 0) - (timeMillis(a.time) || 0));
  const items = recent.map((m) => ({
    ...messageItem(m, service.identity),
    label: `${refLabel(m)}  ${m.from} → ${conversationOf(m, service.identity)}`,
    description: `${m.time} (${relativeTime(m.time)})`,
  }));
  const value = await pickOrType(
    items,
    title,
    (v) =>
      /^#?\d+$/.test(v) || /^[0-9a-f]{8}$/i.test(v)
        ? undefined
        : 'Type a message number (e.g. 12) or a legacy 8-hex id',
    true,
  );
  const m = /^(#?\d+|[0-9a-f]{8})\b/i.exec(value);
  return m ? m[1] : value;
}

/** A QuickPick that also accepts a typed value, validated inline as you type. */
export function pickOrType(
  items: vscode.QuickPickItem[],
  title: string,
  validate: (v: string) => string | undefined,
  matchDetail = false,
  placeholder = 'Pick one, or type a name and press Enter',
): Promise<string> {
  type Item = vscode.QuickPickItem & { typed?: string; invalid?: boolean };
  return new Promise((resolve, reject) => {
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = title;
    qp.items = items;
    qp.matchOnDescription = true;
    qp.matchOnDetail = matchDetail;
    qp.placeholder = placeholder;
    let done = false;
    qp.onDidChangeValue((v) => {
      const t = v.trim();
      if (!t || items.some((i) => i.label === t)) {
        qp.items = items;
        return;
      }
      const problem = validate(t);
      const typed: Item = problem
        ? { label: `$(error) ${problem}`, description: t, alwaysShow: true, invalid: true }
        : { label: `$(edit) ${t}`, description: 'use what you typed', alwaysShow: true, typed: t };
      qp.items = [...items, typed];
    });
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0];
      if (picked?.invalid) return;
      let value: string;
      if (picked) value = picked.typed ?? picked.label;
      else {
        value = qp.value.trim();
        if (validate(value)) return;
      }
      done = true;
      resolve(value.replace(/^\$\([a-z-]+\)\s*/, ''));
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) reject(new Cancelled());
    });
    qp.show();
  });
}
