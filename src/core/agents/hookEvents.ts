/** The agents whose hooks we speak, and what each one's hook events mean to us. */
export type AgentKind = 'claude' | 'codex' | 'cursor' | 'gemini';
export const AGENT_KINDS: AgentKind[] = ['claude', 'codex', 'cursor', 'gemini'];

export type HookPhase = 'session-start' | 'prompt' | 'tool' | 'stop';

/** Vendor event names (any case) to what they mean for us. */
const EVENT_PHASES: Record<string, HookPhase> = {
  sessionstart: 'session-start',
  userpromptsubmit: 'prompt',
  beforeagent: 'prompt',
  beforesubmitprompt: 'prompt',
  posttooluse: 'tool',
  aftertool: 'tool',
  stop: 'stop',
  afteragent: 'stop',
};

export function hookPhase(event: string): HookPhase | null {
  return EVENT_PHASES[event.toLowerCase()] ?? null;
}

/** The event name each agent uses for a phase (for output fields and setup). */
export function vendorEvent(agent: AgentKind, phase: HookPhase): string | null {
  const names: Record<AgentKind, Record<HookPhase, string | null>> = {
    claude: { 'session-start': 'SessionStart', prompt: 'UserPromptSubmit', tool: 'PostToolUse', stop: 'Stop' },
    codex: { 'session-start': 'SessionStart', prompt: 'UserPromptSubmit', tool: 'PostToolUse', stop: 'Stop' },
    gemini: { 'session-start': 'SessionStart', prompt: 'BeforeAgent', tool: 'AfterTool', stop: 'AfterAgent' },
    cursor: { 'session-start': 'sessionStart', prompt: null, tool: 'postToolUse', stop: 'stop' },
  };
  return names[agent][phase];
}
