/** The MCP tests' check that a write by another process reaches a subscribed client in time. */
import * as assert from 'assert';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

/** Subscribes to `uris`, runs `write` (another process writing), and expects an update of each within `ms`. */
export async function expectUpdatedWithin(
  client: Client,
  uris: string[],
  ms: number,
  write: () => Promise<void>,
): Promise<void> {
  for (const uri of uris) await client.subscribeResource({ uri });
  const seen: string[] = [];
  let resolveSeen: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveSeen = r));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    seen.push(n.params.uri);
    if (uris.every((u) => seen.includes(u))) resolveSeen();
  });
  await write();
  const written = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    all,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`within ${ms} ms only: ${seen.join(', ') || 'nothing'}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  assert.ok(Date.now() - written < ms);
}
