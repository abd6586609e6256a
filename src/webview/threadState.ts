/** What the host told the page: the panel's info and names, and the loaded messages; and the folded threads. */
import type { CompletionNames, HostToWebview, PanelInfo, ViewMessage } from '../shared/protocol';
import { vscodeApi } from './hostBridge';

export let info: PanelInfo | null = null;
export let names: CompletionNames = { instances: [], rooms: [] };
/** Every loaded message of the conversation, oldest first, and the same by key. */
export let messages: ViewMessage[] = [];
export let byKey = new Map<string, ViewMessage>();
export let hasEarlier = false;
export let total = 0;
/** Messages whose replies are folded (kept while the panel lives). */
export const collapsed = new Set<string>(
  (vscodeApi.getState() as { collapsed?: string[] } | undefined)?.collapsed ?? [],
);

export function setInfo(next: PanelInfo, nextNames: CompletionNames): void {
  info = next;
  names = nextNames;
}

export function setMessages(m: Extract<HostToWebview, { type: 'messages' }>): void {
  messages = m.messages;
  byKey = new Map(messages.map((x) => [x.key, x]));
  hasEarlier = m.hasEarlier;
  total = m.total;
}

export function saveCollapsed(): void {
  vscodeApi.setState({ collapsed: [...collapsed] });
}
