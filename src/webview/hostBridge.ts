/**
 * The page's line to the extension host: post() for notices, request() for
 * what the page waits on. A request carries a requestId that the reply
 * repeats, so each reply settles its own request.
 */
import type { HostToWebview, WebviewToHost } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscodeApi = acquireVsCodeApi();

export const post = (m: WebviewToHost) => vscodeApi.postMessage(m);

/** The reply to each request the page waits on. */
interface Replies {
  send: Extract<HostToWebview, { type: 'sendResult' }>;
  filter: Extract<HostToWebview, { type: 'filterResult' }>;
}
type Reply = Replies[keyof Replies];

let lastId = 0;
const waiting = new Map<number, (reply: Reply) => void>();

/** Posts `m` with a new requestId; resolves with the host's reply to it. */
export function request<K extends keyof Replies>(m: Extract<WebviewToHost, { type: K }>): Promise<Replies[K]> {
  const requestId = ++lastId;
  return new Promise((resolve) => {
    waiting.set(requestId, resolve as (reply: Reply) => void);
    post({ ...m, requestId });
  });
}

// A reply settles the request it answers (one to no request of this page is ignored).
window.addEventListener('message', (event: MessageEvent<Reply>) => {
  const id = event.data.requestId!;
  waiting.get(id)?.(event.data);
  waiting.delete(id);
});
