/**
 * An instance's delivery cursor (our own format): which messages its agent
 * has already been handed by a hook or `coord wait`. Kept as JSON in
 * data/.coord-delivery-<id>.json, or as one key of the coord-delivery bucket
 * on a NATS server. live/delivery.ts owns what the fields mean.
 */
import type { Layout } from '../disk/layout';
import { readTextIfExists, writeAtomic } from '../disk/fsutil';

export interface DeliveryState {
  /** Every log message numbered up to here was handed over (or was never for this instance). */
  upTo: number;
  /** Numbers above upTo handed over one by one (a filtered wait). */
  extra: number[];
  /** Legacy (unnumbered) messages handed over, by id. */
  ids: string[];
  /** The time of the newest message handed over: finds our place again in a replaced log. */
  lastTime: string;
  /** The first log line's time and sender when saved: tells a replaced log apart. */
  logHead: string;
  /** The sources' stamp when everything was handed over; '' when unknown. */
  stamp: string;
  /** The last hook was a Stop that kept the agent going. */
  stopBlocked: boolean;
  /** Messages already given as a Stop reason (so the same ones do not stop every turn). */
  announced: string[];
}

export const EMPTY_DELIVERY: DeliveryState = {
  upTo: 0,
  extra: [],
  ids: [],
  lastTime: '',
  logHead: '',
  stamp: '',
  stopBlocked: false,
  announced: [],
};

/** A stored cursor; null when there is none or it is damaged (then everything unread counts as new). */
export function deliveryFrom(value: unknown): DeliveryState | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return { ...EMPTY_DELIVERY, ...(value as Partial<DeliveryState>) };
}

export function parseDelivery(text: string): DeliveryState | null {
  if (text === '') return null;
  try {
    return deliveryFrom(JSON.parse(text));
  } catch {
    return null;
  }
}

export function formatDelivery(state: DeliveryState): string {
  return JSON.stringify(state) + '\n';
}

/** The directory's cursor for `instance` (data/.coord-delivery-<id>.json); null when there is none. */
export function readDelivery(layout: Layout, instance: string): DeliveryState | null {
  return parseDelivery(readTextIfExists(layout.deliveryCursor(instance)));
}

export function writeDelivery(layout: Layout, instance: string, state: DeliveryState): void {
  writeAtomic(layout.deliveryCursor(instance), formatDelivery(state));
}
