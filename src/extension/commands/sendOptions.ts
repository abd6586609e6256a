/** Importance and ack from a command argument object (`{ importance: "urgent", ack: true }`); the core validates. */
import type { Importance, SendOptions } from '../../core';

export function sendOptionsOf(args: Record<string, unknown> | undefined): SendOptions {
  return {
    importance: typeof args?.importance === 'string' ? (args.importance as Importance) : undefined,
    ack: args?.ack === true,
  };
}
