/**
 * `coord hook EVENT`: what each agent's hook protocol expects on stdout.
 *
 *   event                 Claude Code / Codex      Gemini CLI    Cursor
 *   session start         SessionStart             SessionStart  sessionStart
 *   prompt submitted      UserPromptSubmit         BeforeAgent   (beforeSubmitPrompt cannot add context)
 *   after a tool call     PostToolUse              AfterTool     postToolUse
 *   the agent stops       Stop                     AfterAgent    stop
 *
 * Context goes out as hookSpecificOutput.additionalContext (Claude, Codex,
 * Gemini) or additional_context (Cursor); a Stop that should go on is
 * {"decision":"block","reason":…} (Claude, Codex), {"decision":"deny",…}
 * (Gemini) or {"followup_message":…} (Cursor). A hook never fails the agent:
 * any problem gives empty output and exit 0, and a line in data/.coord-hooks.log
 * (without a coordination directory there is no data/ to log into: silent).
 * On a NATS server (--server / $COORD_SERVER) the same answers come from the
 * server, and the delivery cursor is kept there.
 */
import { openCoordination, mentionsInstance, isAlert } from '../coordination';
import type { CoordinationBackend } from '../backend/coordinationBackend';
import { openBackend } from '../backend/openBackend';
import { serverOptionsFrom, type ServerFlags } from '../nats/serverOptions';
import { Layout } from '../disk/layout';
import type { Message } from '../common/messageTypes';
import { resolveDirectory } from '../disk/directory';
import { isValidInstanceId } from '../common/names';
import { formatMessagesForAgent, whereAgentsTalk } from './agentText';
import { advanceDelivery, logHookProblem, nothingNewSince, pendingMessages, sourcesStamp } from '../live/delivery';
import { type DeliveryState, readDelivery, writeDelivery } from '../formats/deliveryCursor';
import * as fs from 'fs';
import { AgentKind, HookPhase, hookPhase, vendorEvent } from './hookEvents';

export { AGENT_KINDS, hookPhase, vendorEvent } from './hookEvents';
export type { AgentKind, HookPhase } from './hookEvents';

export interface HookRequest {
  event: string;
  agent: AgentKind;
  /** The raw stdin text. */
  payload: string;
  dir?: string;
  instance?: string;
  /** --server / --creds as given; with none, $COORD_SERVER decides (the directory when unset). */
  server?: ServerFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Answer as usual but leave the delivery cursor as it was (`coord setup --check` trying the hook). */
  dryRun?: boolean;
}

/** What a hook prints, and the delivery cursor after it (null: leave it as it is). */
interface HookAnswer {
  text: string;
  next: DeliveryState | null;
}

/** Most messages handed over in one hook; older ones are summarised with a count. */
const MAX_PER_HOOK = 10;

/**
 * What to print (possibly ''), never throwing. On a NATS server the cursor is
 * kept there too; problems go to data/.coord-hooks.log of the directory the
 * hook runs in, if there is one.
 */
export async function runHook(req: HookRequest): Promise<string> {
  const env = req.env ?? process.env;
  const payload = parsePayload(req.payload);
  const cwd = typeof payload?.cwd === 'string' && fs.existsSync(payload.cwd) ? payload.cwd : req.cwd;
  let layout: Layout | null = null;
  try {
    const dir = resolveDirectory({ dir: req.dir, env, cwd });
    layout = dir ? new Layout(dir) : null;
    const server = serverOptionsFrom(req.server ?? {}, env);
    if (!server && !layout) return '';
    const nothing = (problem: string) => {
      if (layout) logHookProblem(layout, `${problem}; nothing printed`);
      return '';
    };
    const phase = hookPhase(req.event);
    if (!phase) return nothing(`unknown hook event '${req.event}' (${req.agent})`);
    if (payload === null) return nothing(`${req.event}: stdin was not a JSON object (the agent's hook payload)`);
    const instance = req.instance ?? (env.CLAUDE_INSTANCE_ID || undefined);
    if (!instance || !isValidInstanceId(instance))
      return nothing(`${req.event}: no valid identity (--as or CLAUDE_INSTANCE_ID)`);
    if (server) {
      const c = await openBackend({ instance, server, env });
      try {
        return await answer(c, respond(c, phase, req.agent, payload, await c.deliveryState(), ''), req.dryRun);
      } finally {
        await c.close();
      }
    }
    if (!layout) return '';
    if (fs.existsSync(layout.lockDir)) {
      logHookProblem(layout, `${req.event}: the directory lock is held by a writer; delivery waits for the next hook`);
      return '';
    }
    const state = readDelivery(layout, instance);
    // The common case on every tool call: no file changed since the last delivery. Stop always looks
    // (an unread direct message handed over earlier still keeps the agent going).
    if ((phase === 'tool' || phase === 'prompt') && state && nothingNewSince(layout, instance, state)) {
      if (state.stopBlocked && !req.dryRun) writeDelivery(layout, instance, { ...state, stopBlocked: false });
      return '';
    }
    const stamp = sourcesStamp(layout, instance); // before reading: see advanceDelivery
    const c = openCoordination({ dir: layout.root, instance, env, cwd });
    return await answer(c, respond(c, phase, req.agent, payload, state, stamp), req.dryRun);
  } catch (error) {
    if (layout) logHookProblem(layout, `${req.event}: ${(error as Error)?.message ?? String(error)}`);
    return '';
  }
}

async function answer(c: CoordinationBackend, a: HookAnswer, dryRun: boolean | undefined): Promise<string> {
  if (a.next && !dryRun) await c.saveDeliveryState(a.next);
  return a.text;
}

function parsePayload(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function respond(
  c: CoordinationBackend,
  phase: HookPhase,
  agent: AgentKind,
  payload: Record<string, unknown>,
  state: DeliveryState | null,
  stamp: string,
): HookAnswer {
  const pending = pendingMessages(c, state);
  if (phase === 'stop') return stop(c, agent, payload, state, pending, stamp);
  if (phase === 'prompt' && agent === 'cursor') return { text: '', next: null }; // cannot add context
  let text: string;
  if (phase === 'session-start') text = sessionBriefing(c);
  else {
    if (pending.length === 0)
      return { text: '', next: { ...advanceDelivery(c, state, [], [], stamp), stopBlocked: false } };
    text = newMessagesContext(pending, c.instance!);
  }
  return {
    text: contextOutput(agent, phase, text),
    next: { ...advanceDelivery(c, state, pending, [], stamp), stopBlocked: false },
  };
}

/** SessionStart: who you are, the rooms, what is unread, how to answer. */
export function sessionBriefing(c: CoordinationBackend): string {
  const me = c.instance!;
  const rooms = c.listChatrooms().filter((r) => r.status === 'open');
  const counts = c.unreadCounts();
  const inbox = c.checkInbox({ limit: 1 });
  const lines = [
    `You are ${me} ${whereAgentsTalk(c)}. Other AI agents working in this repository talk to you there.`,
    `Open rooms: ${rooms.length ? rooms.map((r) => `#${r.name}`).join(', ') : 'none'}.`,
    `Unread: ${counts.total} message${counts.total === 1 ? '' : 's'} ` +
      `(${inbox.directTotal} direct, ${inbox.mentionTotal} mentioning you).`,
    `Answer with the coordination MCP tools if you have them (send, inbox, mark_read, …), else the shell: ` +
      `coord send '#room' 'text', coord send-dm <instance> 'text', coord reply <number> 'text', ` +
      `coord check-unread, coord mark-read <numbers|all>.`,
    `New messages for you are added to your context as they arrive; mark them read once handled.`,
  ];
  const urgent = c
    .checkUnread()
    .filter((m) => isUrgentFor(m, me))
    .slice(-MAX_PER_HOOK);
  if (urgent.length)
    lines.push('', 'Direct messages, mentions and alerts waiting for you:', formatMessagesForAgent(urgent, me));
  return lines.join('\n');
}

function newMessagesContext(pending: Message[], me: string): string {
  const shown = pending.slice(-MAX_PER_HOOK);
  const older = pending.length - shown.length;
  const head = `${pending.length} new coordination message${pending.length === 1 ? '' : 's'} for ${me}${
    older ? ` (the ${older} older ones: coord check-unread)` : ''
  }. Reply with coord reply <number> or the send tool; mark read with coord mark-read.`;
  return `${head}\n${formatMessagesForAgent(shown, me)}`;
}

function isUrgentFor(m: Message, me: string): boolean {
  return m.target === `@${me}` || mentionsInstance(m.text, me) || isAlert(m.text);
}

function refOf(m: Message): string {
  return m.number !== null ? String(m.number) : m.id;
}

function stop(
  c: CoordinationBackend,
  agent: AgentKind,
  payload: Record<string, unknown>,
  state: DeliveryState | null,
  pending: Message[],
  stamp: string,
): HookAnswer {
  const me = c.instance!;
  const continued =
    payload.stop_hook_active === true || (typeof payload.loop_count === 'number' && payload.loop_count > 0);
  const unchanged = state ?? advanceDelivery(c, state, [], pending, stamp);
  if (continued || state?.stopBlocked) return { text: '', next: { ...unchanged, stopBlocked: false } };
  const announced = new Set(state?.announced ?? []);
  const urgent = c.checkUnread().filter((m) => isUrgentFor(m, me) && !announced.has(refOf(m)));
  if (urgent.length === 0) return { text: '', next: !state ? { ...unchanged, stopBlocked: false } : null };
  const shown = urgent.slice(-MAX_PER_HOOK);
  const reason =
    `Before you stop: ${urgent.length} unread direct message${urgent.length === 1 ? '' : 's'}, mention${
      urgent.length === 1 ? '' : 's'
    } or alert${urgent.length === 1 ? '' : 's'} for ${me}. Read them, answer if needed (coord reply <number>), ` +
    `mark them read (coord mark-read <numbers>), then finish.\n${formatMessagesForAgent(shown, me)}`;
  const delivered = advanceDelivery(
    c,
    state,
    shown,
    pending.filter((m) => !shown.includes(m)),
    stamp,
  );
  return {
    text: stopOutput(agent, reason),
    next: { ...delivered, stopBlocked: true, announced: [...announced, ...urgent.map(refOf)].slice(-500) },
  };
}

function contextOutput(agent: AgentKind, phase: HookPhase, text: string): string {
  if (agent === 'cursor') return JSON.stringify({ additional_context: text }) + '\n';
  return (
    JSON.stringify({ hookSpecificOutput: { hookEventName: vendorEvent(agent, phase), additionalContext: text } }) + '\n'
  );
}

function stopOutput(agent: AgentKind, reason: string): string {
  if (agent === 'cursor') return JSON.stringify({ followup_message: reason }) + '\n';
  if (agent === 'gemini') return JSON.stringify({ decision: 'deny', reason }) + '\n';
  return JSON.stringify({ decision: 'block', reason }) + '\n';
}
