/**
 * The MCP server's tools: few, each covering one thing an agent does, with a
 * typed (zod) input schema and a compact text result. Messages other agents
 * wrote are always rendered by formatMessagesForAgent (fenced, marked as from
 * another agent).
 */
import { z } from 'zod/v4';
import {
  ClaimBook,
  claimConflicts,
  CoordError,
  formatMessagesForAgent,
  formatTimeLeft,
  parseClaimTtl,
  instancePresence,
  QUOTED_NOTE,
  quoteAgentText,
  searchMessages,
} from '../core';
import type { Chatroom, Claim, CoordinationBackend, Message, SearchOptions } from '../core';

export interface ToolContext {
  c: CoordinationBackend;
}

export interface ToolDef<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: S;
  run(ctx: ToolContext, args: z.infer<S>): Promise<string>;
}

const ref = z.union([z.number().int().positive(), z.string().min(1).max(80)]);
const messageText = z.string().min(1).max(65536).describe('The message text (at most 64 KiB)');
const limit = z.number().int().min(1).max(200).optional().describe('At most this many messages (default 20)');

function define<S extends z.ZodObject>(def: ToolDef<S>): ToolDef {
  return def as unknown as ToolDef;
}

function messages(c: CoordinationBackend, list: Message[], empty: string, total = list.length): string {
  if (list.length === 0) return empty;
  const head = total > list.length ? `${total} messages; the last ${list.length}:\n` : '';
  return head + formatMessagesForAgent(list, c.instance);
}

function sent(m: Message): string {
  return `Sent #${m.number ?? m.id} to ${m.target}${m.replyTo !== null ? ` (reply to #${m.replyTo})` : ''}.`;
}

function roomLine(r: Chatroom, unread: Record<string, number>): string {
  const n = unread[`#${r.name}`] ?? 0;
  return (
    `#${r.name} ${r.status}${n ? `, ${n} unread` : ''}` +
    `${r.description ? ` - ${quoteAgentText(r.description)}` : ''}` +
    `${r.status === 'closed' && r.reason ? ` (closed: ${quoteAgentText(r.reason)})` : ''}`
  );
}

function humansLine(humans: string[]): string {
  if (humans.length === 0) return 'No human is registered here (a person runs coord register-human ID).';
  const ids = humans.map((h) => `@${h}`).join(', ');
  return humans.length === 1
    ? `The human is ${ids}: write to @human or ${ids} to ask them.`
    : `The humans are ${ids}: write to one of them by id (@human alone asks you to pick).`;
}

function claimBook(c: CoordinationBackend): ClaimBook {
  return c.claimBook();
}

function claimLine(claim: Claim, live: Claim[], me: string | null, now: Date): string {
  const clashes = claimConflicts(claim, live);
  return (
    `${claim.instance}${claim.instance === me ? ' (you)' : ''}: ` +
    `${claim.pattern} ${claim.exclusive ? 'exclusive' : 'shared'}, ` +
    `${formatTimeLeft(claim.expires, now)} left${claim.reason ? ` - ${quoteAgentText(claim.reason)}` : ''}` +
    `${clashes.length ? ` CONFLICT with ${clashes.map((x) => `${x.instance} (${x.pattern})`).join(', ')}` : ''}`
  );
}

const claimPaths = z
  .array(z.string().min(1).max(1000))
  .min(1)
  .max(100)
  .describe('Paths or globs relative to the repository root, e.g. ["src/api/**", "docs/guide.md"]');

function lastN<T>(list: T[], n = 20): T[] {
  return list.length > n ? list.slice(list.length - n) : list;
}

export const TOOLS: ToolDef[] = [
  define({
    name: 'send',
    description:
      'Send a message to a chatroom ("#room") or another agent ("@instance-2"). With replyTo, reply to that ' +
      'message number instead: the reply goes to its own room or conversation and "to" is not needed. ' +
      'direct: true makes it a private direct message (to must be an instance).',
    input: z.object({
      to: z.string().min(1).max(100).optional().describe('"#room" or "@instance"; omit when replying'),
      text: messageText,
      replyTo: ref.optional().describe('The number (or legacy 8-hex id) of the message to reply to'),
      direct: z.boolean().optional().describe('A direct message rather than an @-message'),
      importance: z
        .enum(['urgent', 'high', 'normal', 'low'])
        .optional()
        .describe('How much it matters (default normal)'),
      ack: z.boolean().optional().describe('Ask the recipients to acknowledge it (the "ack" tool)'),
    }),
    async run({ c }, a) {
      const options = { importance: a.importance, ack: a.ack };
      if (a.replyTo !== undefined) return sent(await c.reply(a.replyTo, a.text, options));
      if (!a.to) throw new CoordError('usage', 'give "to" ("#room" or "@instance") or "replyTo"');
      return sent(a.direct ? await c.sendDm(a.to, a.text, options) : await c.send(a.to, a.text, options));
    },
  }),
  define({
    name: 'ack',
    description:
      'Acknowledge messages that asked for it (this also marks them read); with no messages, list the ' +
      'acknowledgements you still owe.',
    input: z.object({ messages: z.array(ref).max(1000).optional() }),
    async run({ c }, a) {
      if (!a.messages || a.messages.length === 0) {
        const owe = c.acks({ pendingOnly: true }).owe.map((e) => e.status.message);
        return messages(c, owe, 'You owe no acknowledgements.');
      }
      const r = await c.ack(a.messages);
      return `Acknowledged ${r.acked.length}${r.alreadyAcked.length ? `; ${r.alreadyAcked.length} already were` : ''}.`;
    },
  }),
  define({
    name: 'inbox',
    description:
      'What is unread for you. view "unread" (default): every unread message you can see; "direct": direct ' +
      'messages and mentions only; "notifications": mentions and alerts. room narrows "unread" to one room.',
    input: z.object({
      view: z.enum(['unread', 'direct', 'notifications']).optional(),
      room: z.string().min(1).max(100).optional(),
      limit,
    }),
    async run({ c }, a) {
      if (a.view === 'direct') {
        const i = c.checkInbox();
        const list = [...i.directMessages, ...i.mentions];
        return messages(c, lastN(list, a.limit), 'No unread direct messages or mentions.', list.length);
      }
      if (a.view === 'notifications') {
        const n = c.checkNotifications();
        const list = [...n.mentions, ...n.alerts.filter((m) => !n.mentions.includes(m))];
        return messages(c, lastN(list, a.limit), 'No unread mentions or alerts.', list.length);
      }
      const list = c.checkUnread({ room: a.room });
      return messages(c, lastN(list, a.limit), 'Nothing unread.', list.length);
    },
  }),
  define({
    name: 'mark_read',
    description: 'Mark messages read once you have handled them: a list of numbers (or legacy ids), or "all".',
    input: z.object({ messages: z.union([z.literal('all'), z.array(ref).min(1).max(1000)]) }),
    async run({ c }, a) {
      const r = await c.markRead(a.messages);
      return `Marked ${r.marked.length} read${r.alreadyRead ? `; ${r.alreadyRead} already were` : ''}.`;
    },
  }),
  define({
    name: 'search',
    description: 'Search every message (ranked words; mode "exact" for a substring, "regex" for a pattern).',
    input: z.object({
      query: z.string().min(1).max(1000),
      mode: z.enum(['ranked', 'exact', 'regex']).optional(),
      room: z.string().min(1).max(100).optional(),
      from: z.string().min(1).max(64).optional().describe('Only messages from this instance'),
      limit,
    }),
    async run({ c }, a) {
      const opts: SearchOptions = {
        exact: a.mode === 'exact',
        regex: a.mode === 'regex',
        room: a.room,
        from: a.from,
        limit: a.limit ?? 20,
      };
      const found = searchMessages(c, a.query, opts);
      return messages(c, found, 'No messages match.');
    },
  }),
  define({
    name: 'thread',
    description: 'A message and every reply to it, oldest first.',
    input: z.object({ message: ref.describe('The message number (or legacy 8-hex id)') }),
    async run({ c }, a) {
      return messages(c, c.thread(a.message), 'No such thread.');
    },
  }),
  define({
    name: 'rooms',
    description:
      'Chatrooms. action "list" (default): every room with status and your unread count; "read": a room\'s ' +
      'latest messages; "create" (text: a description), "close" and "reopen" (text: the reason).',
    input: z.object({
      action: z.enum(['list', 'read', 'create', 'close', 'reopen']).optional(),
      name: z.string().min(1).max(100).optional().describe('The room, with or without "#"'),
      text: z.string().max(2000).optional(),
      limit,
    }),
    async run({ c }, a) {
      const action = a.action ?? 'list';
      if (action === 'list') {
        const unread = c.instance ? c.unreadByTarget() : {};
        const rooms = c.listChatrooms();
        return rooms.length ? [...rooms.map((r) => roomLine(r, unread)), QUOTED_NOTE].join('\n') : 'No chatrooms yet.';
      }
      if (!a.name) throw new CoordError('usage', `"${action}" needs the room's name`);
      if (action === 'read') return messages(c, c.checkChatroom(a.name, { limit: a.limit ?? 20 }), 'No messages yet.');
      const room =
        action === 'create'
          ? await c.createChatroom(a.name, a.text ?? '')
          : action === 'close'
            ? await c.closeChatroom(a.name, a.text ?? '')
            : await c.reopenChatroom(a.name, a.text ?? '');
      return `#${room.name} is ${room.status}.`;
    },
  }),
  define({
    name: 'status',
    description: 'Set your status line: what you are working on now, for the other agents to see.',
    input: z.object({ text: z.string().min(1).max(2000) }),
    async run({ c }, a) {
      const s = await c.updateStatus(a.text);
      return `Status set at ${s.updated}.`;
    },
  }),
  define({
    name: 'claim',
    description:
      'Claim files, folders or globs you are about to change, so other agents (and the editor, and the commit ' +
      'guard) know. exclusive: nobody else may claim or commit them meanwhile. A claim that overlaps another ' +
      "agent's exclusive claim is refused with who holds what until when; force: true claims anyway and records " +
      'the conflict. Claiming a path again renews it.',
    input: z.object({
      paths: claimPaths,
      exclusive: z.boolean().optional().describe('Exclusive rather than shared (default shared)'),
      ttl: z.string().max(20).optional().describe('How long: 30m, 2h (default), 1d; at most 7d'),
      reason: z.string().max(500).optional().describe('Why, shown to the others'),
      force: z.boolean().optional().describe('Claim even over a conflicting claim, recording the conflict'),
    }),
    async run({ c }, a) {
      const book = claimBook(c);
      const ttlMs = a.ttl === undefined ? undefined : parseClaimTtl(a.ttl);
      const r = await book.claim(a.paths, { exclusive: a.exclusive, ttlMs, reason: a.reason, force: a.force });
      const now = book.clock();
      const lines = r.claims.map(
        (x) => `Claimed ${x.pattern} (${x.exclusive ? 'exclusive' : 'shared'}) for ${formatTimeLeft(x.expires, now)}.`,
      );
      for (const x of r.conflicts) lines.push(`CONFLICT recorded: ${x.holder} also holds ${x.pattern}.`);
      return lines.join('\n');
    },
  }),
  define({
    name: 'release',
    description: 'Release your claims: the paths as you claimed them, or all: true.',
    input: z.object({
      paths: claimPaths.optional(),
      all: z.boolean().optional().describe('Release every claim you hold'),
    }),
    async run({ c }, a) {
      if (Boolean(a.all) === (a.paths !== undefined)) throw new CoordError('usage', 'give either "paths" or all: true');
      const released = await claimBook(c).release(a.all ? 'all' : (a.paths ?? []));
      return released.length ? `Released ${released.map((x) => x.pattern).join(', ')}.` : 'You held no claims.';
    },
  }),
  define({
    name: 'claims',
    description: 'The file claims in force: who holds which paths, exclusive or shared, why, and for how long.',
    input: z.object({ mine: z.boolean().optional().describe('Only your own claims') }),
    async run({ c }, a) {
      const book = claimBook(c);
      const live = book.list();
      const now = book.clock();
      const shown = live.filter((x) => !a.mine || x.instance === c.instance);
      if (shown.length === 0) return 'No claims in force.';
      const rows = shown.map((x) => claimLine(x, live, c.instance, now));
      if (shown.some((x) => x.reason)) rows.push(QUOTED_NOTE);
      return rows.join('\n');
    },
  }),
  define({
    name: 'who',
    description:
      'Who is here: every known agent and human (marked "human"), its status, when it was last active, ' +
      'and your unread count.',
    input: z.object({}),
    async run({ c }) {
      const humans = c.humans().map((h) => h.id);
      const rows = instancePresence(c).map(
        (p) =>
          `${p.instance}${humans.includes(p.instance) ? ' (human)' : ''}` +
          `${p.instance === c.instance ? ' (you)' : ''}: ${p.active ? 'active' : 'idle'}` +
          `${p.lastActive ? `, last seen ${p.lastActive}` : ''}` +
          `${p.status ? ` - status: ${quoteAgentText(p.status.text)}` : ''}`,
      );
      if (rows.some((r) => r.includes(' - status: '))) rows.push(QUOTED_NOTE);
      rows.push(humansLine(humans));
      const unread = c.instance ? c.unreadCounts() : null;
      if (unread) rows.push(`You have ${unread.total} unread (${unread.mentions} mentioning you).`);
      return rows.join('\n') || 'Nobody has used the coordination directory yet.';
    },
  }),
];
