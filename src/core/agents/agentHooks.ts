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
 */
import type { Coordination } from '../coordination';
import { openCoordination, mentionsInstance, isAlert } from '../coordination';
import { Layout } from '../disk/layout';
import type { Message } from '../common/messageTypes';
import { resolveDirectory } from '../disk/directory';
import { isValidInstanceId } from '../common/names';
import { formatMessagesForAgent } from './agentText';
import {
  advanceDelivery,
  DeliveryState,
  logHookProblem,
  nothingNewSince,
  pendingMessages,
  readDelivery,
  sourcesStamp,
  writeDelivery,
} from '../live/delivery';
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
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Answer as usual but leave the delivery cursor as it was (`coord setup --check` trying the hook). */
  dryRun?: boolean;
}

type SaveDelivery = (state: DeliveryState) => void;

/** Most messages handed over in one hook; older ones are summarised with a count. */
const MAX_PER_HOOK = 10;

/** What to print (possibly ''), never throwing. */
export function runHook(req: HookRequest): string {
  const env = req.env ?? process.env;
  const payload = parsePayload(req.payload);
  const cwd = typeof payload?.cwd === 'string' && fs.existsSync(payload.cwd) ? payload.cwd : req.cwd;
  let layout: Layout | null = null;
  try {
    const dir = resolveDirectory({ dir: req.dir, env, cwd });
    if (!dir) return '';
    layout = new Layout(dir);
    const phase = hookPhase(req.event);
    if (!phase) {
      logHookProblem(layout, `unknown hook event '${req.event}' (${req.agent}); nothing printed`);
      return '';
    }
    if (payload === null) {
      logHookProblem(layout, `${req.event}: stdin was not a JSON object (the agent's hook payload); nothing printed`);
      return '';
    }
    const instance = req.instance ?? (env.CLAUDE_INSTANCE_ID || undefined);
    if (!instance || !isValidInstanceId(instance)) {
      logHookProblem(layout, `${req.event}: no valid identity (--as or CLAUDE_INSTANCE_ID); nothing printed`);
      return '';
    }
    if (fs.existsSync(layout.lockDir)) {
      logHookProblem(layout, `${req.event}: the directory lock is held by a writer; delivery waits for the next hook`);
      return '';
    }
    const state = readDelivery(layout, instance);
    const cursorLayout = layout;
    const save: SaveDelivery = req.dryRun ? () => undefined : (next) => writeDelivery(cursorLayout, instance, next);
    // The common case on every tool call: no file changed since the last delivery. Stop always looks
    // (an unread direct message handed over earlier still keeps the agent going).
    if ((phase === 'tool' || phase === 'prompt') && state && nothingNewSince(layout, instance, state)) {
      if (state.stopBlocked) save({ ...state, stopBlocked: false });
      return '';
    }
    const stamp = sourcesStamp(layout, instance); // before reading: see advanceDelivery
    const c = openCoordination({ dir: layout.root, instance, env, cwd });
    return handle(c, phase, req.agent, payload, state, stamp, save);
  } catch (error) {
    if (layout) logHookProblem(layout, `${req.event}: ${(error as Error)?.message ?? String(error)}`);
    return '';
  }
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

function handle(
  c: Coordination,
  phase: HookPhase,
  agent: AgentKind,
  payload: Record<string, unknown>,
  state: DeliveryState | null,
  stamp: string,
  save: SaveDelivery,
): string {
  const me = c.instance!;
  const pending = pendingMessages(c, state);
  if (phase === 'stop') return stop(c, agent, payload, state, pending, stamp, save);
  if (phase === 'prompt' && agent === 'cursor') return ''; // beforeSubmitPrompt cannot add context
  let text: string;
  if (phase === 'session-start') text = sessionBriefing(c);
  else {
    if (pending.length === 0) {
      save({ ...advanceDelivery(c, state, [], [], stamp), stopBlocked: false });
      return '';
    }
    text = newMessagesContext(pending, me);
  }
  save({ ...advanceDelivery(c, state, pending, [], stamp), stopBlocked: false });
  return contextOutput(agent, phase, text);
}

/** SessionStart: who you are, the rooms, what is unread, how to answer. */
export function sessionBriefing(c: Coordination): string {
  const me = c.instance!;
  const rooms = c.listChatrooms().filter((r) => r.status === 'open');
  const counts = c.unreadCounts();
  const inbox = c.checkInbox();
  const lines = [
    `You are ${me} in the agent coordination directory ${c.dir}. ` +
      'Other AI agents working in this repository talk to you there.',
    `Open rooms: ${rooms.length ? rooms.map((r) => `#${r.name}`).join(', ') : 'none'}.`,
    `Unread: ${counts.total} message${counts.total === 1 ? '' : 's'} ` +
      `(${inbox.directMessages.length} direct, ${inbox.mentions.length} mentioning you).`,
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
  c: Coordination,
  agent: AgentKind,
  payload: Record<string, unknown>,
  state: DeliveryState | null,
  pending: Message[],
  stamp: string,
  save: SaveDelivery,
): string {
  const me = c.instance!;
  const continued =
    payload.stop_hook_active === true || (typeof payload.loop_count === 'number' && payload.loop_count > 0);
  const unchanged = state ?? advanceDelivery(c, state, [], pending, stamp);
  if (continued || state?.stopBlocked) {
    save({ ...unchanged, stopBlocked: false });
    return '';
  }
  const announced = new Set(state?.announced ?? []);
  const urgent = c.checkUnread().filter((m) => isUrgentFor(m, me) && !announced.has(refOf(m)));
  if (urgent.length === 0) {
    if (!state || state.stopBlocked) save({ ...unchanged, stopBlocked: false });
    return '';
  }
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
  save({
    ...delivered,
    stopBlocked: true,
    announced: [...announced, ...urgent.map(refOf)].slice(-500),
  });
  return stopOutput(agent, reason);
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
