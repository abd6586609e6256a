/**
 * Every palette command ("Coordination: …"). Each takes an optional argument
 * object (or a tree node from a context menu) and prompts for whatever is
 * missing. Called programmatically with arguments, a command returns its
 * result and rejects with the one-line error; from the UI it shows the error.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ActionEntry,
  Chatroom,
  Message,
  MessageRef,
  initCoordination,
  isValidInstanceId,
  isValidRoomName,
} from '../core';
import { CoordinationService, UserError, errorMessage, isUserError, proposedDirectory } from './service';
import { ThreadPanels, normaliseTarget } from './threadPanel';
import { Node } from './tree';
import {
  conversationOf,
  inertText,
  messageKey,
  messageRef,
  referableRefs,
  refLabel,
  relativeTime,
  snippet,
  timeMillis,
} from './model';
import { StatusBar, sortedTargets } from './statusBar';
import { runSearchQuickPick } from './search';
import { DocumentProvider } from './documents';
import { sendOptionsOf } from './attention/sendOptions';

type Args = Record<string, unknown>;

export interface CommandDeps {
  context: vscode.ExtensionContext;
  service: CoordinationService;
  panels: ThreadPanels;
  statusBar: StatusBar;
  documents: DocumentProvider;
}

/** Turns whatever a command was called with (object, string, tree node) into an argument object. */
export function toArgs(arg: unknown): Args | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'string') return { target: arg };
  if (typeof arg === 'number') return { ref: arg };
  if (typeof arg !== 'object') return undefined;
  const node = arg as Node;
  switch ((node as { kind?: string }).kind) {
    case 'room':
      return {
        target: `#${node.kind === 'room' ? node.room.name : ''}`,
        name: node.kind === 'room' ? node.room.name : '',
        fromTree: true,
      };
    case 'dm':
      return {
        target: `@${node.kind === 'dm' ? node.peer : ''}`,
        peer: node.kind === 'dm' ? node.peer : '',
        fromTree: true,
      };
    case 'instance':
      return {
        target: `@${node.kind === 'instance' ? node.id : ''}`,
        peer: node.kind === 'instance' ? node.id : '',
        id: node.kind === 'instance' ? node.id : '',
        fromTree: true,
      };
  }
  return arg as Args;
}

function str(args: Args | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = args?.[k];
    if (typeof v === 'string' && (v.trim() !== '' || !args?.fromTree)) return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** A command was called with data (not from a menu or the palette): results are returned, errors rejected. */
function programmatic(args: Args | undefined): boolean {
  return args !== undefined && !args.fromTree;
}

export function registerCommands(deps: CommandDeps): void {
  const { context, service, panels } = deps;

  const register = (id: string, fn: (args: Args | undefined) => Promise<unknown> | unknown) => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (arg?: unknown) => {
        const args = toArgs(arg);
        try {
          return await fn(args);
        } catch (error) {
          if (error instanceof Cancelled) return undefined;
          const text = errorMessage(error);
          if (!isUserError(error)) service.log.error(`${id}: ${error instanceof Error ? (error.stack ?? text) : text}`);
          else service.log.info(`${id}: ${text}`);
          void vscode.window.showErrorMessage(text);
          if (programmatic(args)) throw new Error(text);
          return undefined;
        }
      }),
    );
  };

  const ready = async () => {
    await service.whenLoaded();
    return service.coordination;
  };
  const me = () => service.requireIdentity();

  // ---------------------------------------------------------------- sending

  register('coordination.sendMessage', async (args) => {
    const c = await ready();
    me();
    const target = str(args, 'target', 'room') ?? (await pickTarget(service, 'Send to which room or instance?'));
    const text =
      str(args, 'text') ??
      (await askText({
        prompt: `Message to ${target}`,
        placeHolder: 'Message text (use @instance to mention someone)',
      }));
    const sent = await service.write(`sent to ${target}`, () => c.send(target, text, sendOptionsOf(args)));
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(`$(check) Sent to ${sent.target} (${refLabel(sent)})`, 4000);
    return sent;
  });

  register('coordination.sendDirectMessage', async (args) => {
    const c = await ready();
    const self = me();
    const peer = str(args, 'peer', 'to', 'target') ?? (await pickInstance(service, 'Send a direct message to…', self));
    const text =
      str(args, 'text') ?? (await askText({ prompt: `Direct message to ${peer}`, placeHolder: 'Message text' }));
    const sent = await service.write(`sent a direct message to ${peer}`, () =>
      c.sendDm(peer.replace(/^@/, ''), text, sendOptionsOf(args)),
    );
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(`$(check) Sent to ${sent.target} (${refLabel(sent)})`, 4000);
    return sent;
  });

  register('coordination.replyToMessage', async (args) => {
    const c = await ready();
    me();
    const refText = str(args, 'ref', 'number', 'id') ?? (await pickMessage(service, 'Reply to which message?'));
    const ref = parseRef(refText);
    const parent = c.getMessage(ref);
    const text =
      str(args, 'text') ??
      (await askText({
        prompt: `Reply to ${parent.from} (${refLabel(parent)}): ${inertText(snippet(parent.text, 80))}`,
        placeHolder: 'Reply text',
      }));
    const sent = await service.write(`replied to ${refText}`, () => c.reply(ref, text, sendOptionsOf(args)));
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(`$(check) Replied in ${sent.target} (${refLabel(sent)})`, 4000);
    return sent;
  });

  register('coordination.replyToLatest', async (args) => {
    const c = await ready();
    const self = me();
    const target = str(args, 'target') ?? (await pickTarget(service, 'Reply to the latest message in…'));
    const t = normaliseTarget(target);
    const list = t.startsWith('#') ? c.checkChatroom(t.slice(1)) : c.checkDm(t.slice(1));
    const latest = [...list].reverse().find((m) => m.from !== self) ?? list[list.length - 1];
    if (!latest) throw new UserError(`${t} has no messages to reply to`);
    const text =
      str(args, 'text') ??
      (await askText({
        prompt: `Reply to ${latest.from} (${refLabel(latest)}): ${inertText(snippet(latest.text, 80))}`,
        placeHolder: 'Reply text',
      }));
    return service.write(`replied to ${refLabel(latest)}`, () => c.reply(messageRef(latest), text));
  });

  // ---------------------------------------------------------------- rooms

  register('coordination.createChatroom', async (args) => {
    const c = await ready();
    me();
    const name =
      str(args, 'name', 'room') ??
      (await askText({
        prompt: 'New chatroom name',
        placeHolder: 'e.g. backend-api',
        validateInput: (v) => {
          const n = v.trim().replace(/^#/, '');
          if (!n) return 'Give a name';
          if (!isValidRoomName(n)) return "Use 1-64 letters, digits, '-', '_' or '.', not starting with '.'";
          if (c.listChatrooms().some((r) => r.name.toLowerCase() === n.toLowerCase())) return `#${n} already exists`;
          return undefined;
        },
      }));
    const description =
      str(args, 'description') ??
      (args && 'description' in args
        ? ''
        : await askText({ prompt: `Description of #${name.replace(/^#/, '')} (optional)`, allowEmpty: true }));
    const room = await service.write(`created #${name}`, () => c.createChatroom(name, description));
    if (!programmatic(args)) {
      const pick = await vscode.window.showInformationMessage(`Created #${room.name}`, 'Open');
      if (pick === 'Open') panels.open(`#${room.name}`);
    }
    return room;
  });

  const setRoomStatus = async (args: Args | undefined, status: 'open' | 'closed'): Promise<Chatroom> => {
    const c = await ready();
    me();
    const verb = status === 'closed' ? 'Close' : 'Reopen';
    const name =
      str(args, 'name', 'room', 'target') ??
      (await pickRoom(service, `${verb} which chatroom?`, status === 'closed' ? 'open' : 'closed'));
    const reason =
      str(args, 'reason') ??
      (args && 'reason' in args
        ? ''
        : await askText({
            prompt: `Why ${verb.toLowerCase()} #${name.replace(/^#/, '')}? (optional)`,
            allowEmpty: true,
          }));
    const room = await service.write(`${verb.toLowerCase()}d ${name}`, () =>
      status === 'closed' ? c.closeChatroom(name, reason) : c.reopenChatroom(name, reason),
    );
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(
        `$(check) #${room.name} is ${status === 'closed' ? 'closed' : 'open'}`,
        4000,
      );
    return room;
  };
  register('coordination.closeChatroom', (args) => setRoomStatus(args, 'closed'));
  register('coordination.reopenChatroom', (args) => setRoomStatus(args, 'open'));

  register('coordination.listChatrooms', async (args) => {
    const c = await ready();
    const rooms = c.listChatrooms();
    if (programmatic(args)) return rooms;
    const counts = service.identity ? c.unreadCounts().byTarget : {};
    const items = [...rooms.filter((r) => r.status === 'open'), ...rooms.filter((r) => r.status === 'closed')].map(
      (r) => ({
        label: `${r.status === 'closed' ? '$(lock)' : '$(comment-discussion)'} #${r.name}`,
        description:
          r.status === 'closed' ? `closed${r.reason ? ` — ${r.reason}` : ''}` : `${counts[`#${r.name}`] ?? 0} unread`,
        detail: [
          r.description,
          r.creator ? `created by ${r.creator}${r.created ? ` ${relativeTime(r.created)}` : ''}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
        room: r,
      }),
    );
    const pick = await vscode.window.showQuickPick(items, {
      title: `Chatrooms (${rooms.filter((r) => r.status === 'open').length} open, ${rooms.filter((r) => r.status === 'closed').length} closed)`,
      placeHolder: 'Open a chatroom',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (pick) panels.open(`#${pick.room.name}`);
    return rooms;
  });

  register('coordination.openChatroom', async (args) => {
    const c = await ready();
    const target = normaliseTarget(
      str(args, 'target', 'room', 'name') ?? (await pickTarget(service, 'Open which room or conversation?', true)),
    );
    if (target.startsWith('#')) c.getChatroom(target.slice(1));
    else if (!isValidInstanceId(target.slice(1))) throw new UserError(`invalid instance id '${target.slice(1)}'`);
    const reveal = str(args, 'reveal');
    const panel = panels.open(target, reveal);
    return panel.target;
  });

  register('coordination.openMostUrgent', async () => {
    await ready();
    me();
    deps.statusBar.update();
    const s = deps.statusBar.summary;
    const first = s ? sortedTargets(s)[0] : undefined;
    if (!first) {
      void vscode.window.showInformationMessage('Agent Coordination: no unread messages.');
      return undefined;
    }
    return panels.open(first[0]).target;
  });

  // ---------------------------------------------------------------- reading

  register('coordination.checkNotifications', async (args) => {
    const c = await ready();
    me();
    const n = c.checkNotifications();
    if (programmatic(args)) return n;
    const items: Array<vscode.QuickPickItem & { message?: Message }> = [];
    if (n.mentions.length)
      items.push(
        { label: 'Mentions', kind: vscode.QuickPickItemKind.Separator },
        ...n.mentions.map((m) => messageItem(m, service.identity, '$(mention)')),
      );
    if (n.alerts.length)
      items.push(
        { label: 'Alerts', kind: vscode.QuickPickItemKind.Separator },
        ...n.alerts.map((m) => messageItem(m, service.identity, '$(warning)')),
      );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('Agent Coordination: no unread mentions or alerts.');
      return n;
    }
    await pickAndOpen(
      items,
      `${n.mentions.length} mention${n.mentions.length === 1 ? '' : 's'}, ${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'}`,
    );
    return n;
  });

  register('coordination.showUnread', async (args) => {
    const c = await ready();
    me();
    const room = str(args, 'room');
    const unread = c.checkUnread(room ? { room } : {});
    if (programmatic(args)) return unread;
    if (unread.length === 0) {
      void vscode.window.showInformationMessage(`Agent Coordination: no unread messages${room ? ` in ${room}` : ''}.`);
      return unread;
    }
    const items = [...unread].reverse().map((m) => messageItem(m, service.identity));
    await pickAndOpen(items, `${unread.length} unread`);
    return unread;
  });

  register('coordination.markRead', async (args) => {
    const c = await ready();
    me();
    let refs: MessageRef[];
    const given = args?.refs ?? args?.ref ?? args?.number ?? args?.id;
    if (Array.isArray(given)) refs = given.map((r) => parseRef(String(r)));
    else if (given !== undefined && given !== null && String(given).trim())
      refs = String(given)
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(parseRef);
    else {
      const unread = c.checkUnread();
      if (unread.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: no unread messages.');
        return { marked: [], alreadyRead: 0 };
      }
      const picks = await vscode.window.showQuickPick(
        [...unread].reverse().map((m) => messageItem(m, service.identity)),
        {
          canPickMany: true,
          title: 'Mark read',
          placeHolder: 'Pick the messages to mark read',
          matchOnDetail: true,
          matchOnDescription: true,
        },
      );
      if (!picks || picks.length === 0) throw new Cancelled();
      refs = picks.map((p) => messageRef(p.message!));
    }
    const result = await service.write(`marked ${refs.join(', ')} read`, () => c.markRead(refs));
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(`$(check) Marked ${result.marked.length} read`, 4000);
    return result;
  });

  register('coordination.markAllRead', async (args) => {
    const c = await ready();
    const self = me();
    const target = str(args, 'target', 'room');
    let result;
    if (!target) result = await service.write('marked all read', () => c.markRead('all'));
    else {
      const t = normaliseTarget(target);
      const dropped: MessageRef[] = [];
      const unread = (
        t.startsWith('#')
          ? c.checkUnread({ room: t.slice(1) })
          : c.checkUnread().filter((m) => !m.target.startsWith('#') && conversationOf(m, self) === t)
      ).map(messageRef);
      const refs = referableRefs(c, unread, (r) => dropped.push(r));
      if (dropped.length)
        service.log.warn(
          `mark all read in ${t}: ${dropped.length} message(s) no longer resolve (${dropped.join(', ')})`,
        );
      result = refs.length
        ? await service.write(`marked ${t} read`, () => c.markRead(refs))
        : { marked: [], alreadyRead: 0 };
    }
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(
        `$(check) Marked ${result.marked.length} read${target ? ` in ${target}` : ''}`,
        4000,
      );
    return result;
  });

  register('coordination.updateStatus', async (args) => {
    const c = await ready();
    const self = me();
    const current = c.statuses()[self]?.text;
    const text =
      str(args, 'text', 'status') ??
      (await askText({ prompt: `Status of ${self}`, placeHolder: 'What are you working on?', value: current }));
    return service.write('updated status', () => c.updateStatus(text));
  });

  register('coordination.systemStatus', async (args) => {
    const c = await ready();
    const s = c.systemStatus();
    if (programmatic(args)) return s;
    const lines = [
      `# System status`,
      '',
      `- Directory: \`${service.dir}\``,
      `- Identity: ${s.instance ?? '(none)'}`,
      `- Messages: ${s.totalMessages}`,
      `- Unread: ${s.unread} (${s.mentions} mention${s.mentions === 1 ? '' : 's'})`,
      `- Chatrooms: ${s.activeChatrooms} open, ${s.closedChatrooms} closed`,
      `- Instances: ${s.instances.join(', ') || '(none)'}`,
      '',
      '## Recent activity',
      '',
      ...s.recentActivity.map(activityLine),
    ];
    await deps.documents.show('System Status', lines.join('\n'));
    return s;
  });

  register('coordination.systemSummary', async (args) => {
    const c = await ready();
    const s = c.systemSummary();
    if (programmatic(args)) return s;
    const rooms = c.listChatrooms();
    const lines = [
      `# System summary`,
      '',
      `${s.totalMessages} messages, ${s.unread} unread for ${s.instance ?? '(no identity)'}, ${s.activeChatrooms} open chatrooms.`,
      '',
      '## Instances',
      '',
      ...Object.entries(s.statuses).map(
        ([id, st]) => `- **${id}**: ${st.text} _(updated ${st.updated}, ${relativeTime(st.updated)})_`,
      ),
      '',
      '## Chatrooms',
      '',
      ...rooms.map(
        (r) =>
          `- #${r.name} — ${r.status}${r.reason ? ` (${r.reason})` : ''}${r.description ? `: ${r.description}` : ''}`,
      ),
      '',
      '## Recent activity',
      '',
      ...s.recentActivity.map(activityLine),
    ];
    await deps.documents.show('System Summary', lines.join('\n'));
    return s;
  });

  register('coordination.showActionLog', async (args) => {
    const c = await ready();
    const limitRaw = args?.limit;
    const limit = typeof limitRaw === 'number' && limitRaw > 0 ? limitRaw : 200;
    const entries = c.actionLog({ limit });
    if (programmatic(args)) return entries;
    const lines = [`# Action log (last ${entries.length})`, '', ...[...entries].reverse().map(activityLine)];
    await deps.documents.show('Action Log', lines.join('\n'));
    return entries;
  });

  // ---------------------------------------------------------------- setup

  register('coordination.setIdentity', async (args) => {
    let id = str(args, 'id', 'instance', 'instanceId');
    if (!id) {
      const known = service.loaded ? service.coordination.knownInstances() : [];
      const statuses = service.loaded ? service.coordination.statuses() : {};
      const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
      qp.title = 'Agent Coordination: who are you?';
      qp.placeholder = 'Pick an instance or type a new id (e.g. instance-4)';
      const base = known.map((k) => ({
        label: k,
        description: k === service.identity ? '(current)' : undefined,
        detail: statuses[k]?.text,
      }));
      qp.items = base;
      qp.onDidChangeValue((v) => {
        const t = v.trim();
        if (t && !known.includes(t)) {
          qp.items = [
            {
              label: t,
              description: isValidInstanceId(t)
                ? 'new identity'
                : "$(error) not a valid id: use letters, digits, '-', '_' or '.'",
              alwaysShow: true,
            },
            ...base,
          ];
        } else qp.items = base;
      });
      id = await new Promise<string | undefined>((resolve) => {
        qp.onDidAccept(() => {
          const v = qp.selectedItems[0]?.label ?? qp.value.trim();
          if (!isValidInstanceId(v)) return;
          resolve(v);
          qp.hide();
        });
        qp.onDidHide(() => {
          resolve(undefined);
          qp.dispose();
        });
        qp.show();
      });
      if (!id) throw new Cancelled();
    }
    await service.setIdentity(id.replace(/^@/, ''));
    return service.identity;
  });

  register('coordination.initializeDirectory', async (args) => {
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
  });

  register('coordination.refresh', async () => {
    await service.load();
  });

  register('coordination.copyName', async (args) => {
    const target = str(args, 'target', 'name');
    if (!target) throw new UserError('nothing to copy: use this from the Chatrooms view');
    const text = target.startsWith('#') || target.startsWith('@') ? target : `#${target}`;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`$(clippy) Copied ${text}`, 3000);
    return text;
  });

  register('coordination.searchMessages', async (args) => {
    const c = await ready();
    const query = str(args, 'query');
    if (query !== undefined && programmatic(args)) {
      const { query: _q, ...rest } = args ?? {};
      return c.search(query, rest as Parameters<typeof c.search>[1]);
    }
    await runSearchQuickPick(service, panels, str(args, 'room', 'target'));
    return undefined;
  });

  async function pickAndOpen(items: Array<vscode.QuickPickItem & { message?: Message }>, title: string): Promise<void> {
    const pick = await vscode.window.showQuickPick(items, {
      title,
      matchOnDescription: true,
      matchOnDetail: true,
      placeHolder: 'Open a message in its thread',
    });
    if (pick?.message) panels.open(conversationOf(pick.message, service.identity), messageKey(pick.message));
  }
}

/** The user dismissed a prompt: not an error. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
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

async function askText(opts: {
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

async function pickTarget(service: CoordinationService, title: string, includeClosed = false): Promise<string> {
  const c = service.coordination;
  const counts = service.identity ? c.unreadCounts().byTarget : {};
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

async function pickRoom(service: CoordinationService, title: string, status: 'open' | 'closed'): Promise<string> {
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

async function pickInstance(service: CoordinationService, title: string, self: string): Promise<string> {
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
async function pickMessage(service: CoordinationService, title: string): Promise<string> {
  const c = service.coordination;
  const all = c.messages();
  const recent: Message[] = [];
  for (let i = all.length - 1; i >= 0 && recent.length < 200; i--) {
    try {
      if (c.isVisible(all[i])) recent.push(all[i]);
    } catch {
      /* skip */
    }
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
function pickOrType(
  items: vscode.QuickPickItem[],
  title: string,
  validate: (v: string) => string | undefined,
  matchDetail = false,
): Promise<string> {
  type Item = vscode.QuickPickItem & { typed?: string; invalid?: boolean };
  return new Promise((resolve, reject) => {
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = title;
    qp.items = items;
    qp.matchOnDescription = true;
    qp.matchOnDetail = matchDetail;
    qp.placeholder = 'Pick one, or type a name and press Enter';
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

/** One action-log entry as a Markdown list item (System Status, System Summary, Action Log). */
function activityLine(a: ActionEntry): string {
  return `- ${a.time} **${a.instance}** ${a.action}${a.details ? ` — ${a.details}` : ''}`;
}
