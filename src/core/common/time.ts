/** Timestamps are local time `YYYY-MM-DD HH:MM:SS`, as the older tools write them. */
export const TIMESTAMP_SOURCE = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`;
const TIMESTAMP_RE = new RegExp(`^${TIMESTAMP_SOURCE}$`);

const pad = (n: number): string => String(n).padStart(2, '0');

export function formatTimestamp(date: Date = new Date()): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function isTimestamp(text: string): boolean {
  return TIMESTAMP_RE.test(text);
}

/** Milliseconds since the epoch for a local timestamp, or NaN when it is not one. */
export function timestampToMillis(text: string): number {
  if (!isTimestamp(text)) return NaN;
  const [date, time] = text.split(' ');
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s] = time.split(':').map(Number);
  return localMillis(y, mo, d, h, mi, s);
}

/** Milliseconds since the epoch for a local time given by its fields (month 1-12), as a timestamp means it. */
export function localMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/**
 * Parses what a user types for --since/--until: a full timestamp, a date
 * (`2025-06-15`), or a relative age such as `30m`, `2h`, `7d`.
 */
export function parseTimeInput(text: string, now: Date = new Date()): number {
  const trimmed = text.trim();
  const relative = parseDuration(trimmed);
  if (!Number.isNaN(relative)) return now.getTime() - relative;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return timestampToMillis(`${trimmed} 00:00:00`);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$/.test(trimmed)) return timestampToMillis(`${trimmed.replace('T', ' ')}:00`);
  return timestampToMillis(trimmed.replace('T', ' '));
}

/** A length of time typed as `90s`, `30m`, `2h`, `7d`, `1w`, in milliseconds; NaN when it is not one. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 's'];
}
