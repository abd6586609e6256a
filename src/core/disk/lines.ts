/**
 * Line counting exactly as Python counts lines in text mode (universal
 * newlines): "\r\n", a lone "\r" and "\n" each end a line, and a final line
 * without a terminator still counts. Message numbers are these line numbers.
 */
export interface LineCount {
  /** Line terminators seen so far. */
  terminators: number;
  /** True when bytes follow the last terminator (a line without its end). */
  partial: boolean;
  /** True when the last byte seen was "\r" (a "\n" next would belong to it). */
  endsWithCR: boolean;
}

export const EMPTY_COUNT: LineCount = { terminators: 0, partial: false, endsWithCR: false };

const LF = 0x0a;
const CR = 0x0d;

/** Extends `count` with the bytes of `chunk`, which follow what it has seen. */
export function countLines(chunk: Uint8Array, count: LineCount = EMPTY_COUNT): LineCount {
  if (chunk.length === 0) return count;
  const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  let terminators = count.terminators;
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
    const crBefore = i > 0 ? buf[i - 1] === CR : count.endsWithCR;
    if (!crBefore) terminators++;
  }
  for (let i = buf.indexOf(CR); i !== -1; i = buf.indexOf(CR, i + 1)) terminators++;
  const last = buf[buf.length - 1];
  return {
    terminators,
    partial: last !== LF && last !== CR,
    endsWithCR: last === CR,
  };
}

export function totalLines(count: LineCount): number {
  return count.terminators + (count.partial ? 1 : 0);
}

/** Splits text into lines the Python way; a trailing terminator adds no empty line. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Decodes bytes that start at a line's beginning into whole lines and the
 * unterminated rest ('' when none). With `afterCR` they follow a "\r", so a
 * "\n" first belongs to that line end.
 */
export function decodeLines(buf: Buffer, afterCR: boolean): { lines: string[]; rest: string } {
  const bytes = afterCR && buf[0] === LF ? buf.subarray(1) : buf;
  const lines = bytes.toString('utf8').split(/\r\n|\r|\n/);
  const rest = lines.pop()!;
  return { lines, rest };
}
