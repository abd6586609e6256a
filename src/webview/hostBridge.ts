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

type Request = Extract<WebviewToHost, { requestId?: number }>;
export type Reply = Extract<HostToWebview, { requestId?: number }>;

let lastId = 0;
const waiting = new Map<number, (reply: Reply) => void>();

/** Posts `m` with a new requestId; resolves with the host's reply to it. */
export function request(m: Request): Promise<Reply> {
  const requestId = ++lastId;
  return new Promise((resolve) => {
    waiting.set(requestId, resolve);
    post({ ...m, requestId });
  });
}

/** Settles the request `reply` answers; false when it answers none. */
export function settle(reply: Reply): boolean {
  const resolve = reply.requestId === undefined ? undefined : waiting.get(reply.requestId);
  if (!resolve) return false;
  waiting.delete(reply.requestId!);
  resolve(reply);
  return true;
}
