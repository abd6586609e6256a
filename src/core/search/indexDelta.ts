/**
 * The delta: messages appended since the persisted index's base was written,
 * read from the new bytes alone and matched the way the store matches them
 * (the same log-line reader, source reader and block matching), so the base
 * plus the delta lists exactly what a fresh load would. Every change a delta
 * cannot represent exactly (see persistedIndex.ts) answers null: rebuild.
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { fileHead, fileTail, lstatIfExists, openIfExists, readRange } from '../disk/fsutil';
import { countLines, decodeLines, totalLines } from '../disk/lines';
import { attachBlock, BlockMatcher } from '../read/blockMatching';
import { continueLogMessage, orphanLogLine, readLogLine } from '../read/logMessages';
import { PlacedMessage } from '../read/messageIdentity';
import { ByTime } from '../read/messagesByTime';
import { bareNameRule, readStatusEntries } from '../read/rooms';
import { readSourceText, SourceBlock, SourceFile, StampedSource, stampSources } from '../read/sources';
import {
  blocksDigest,
  DeltaMessage,
  endsClean,
  FileState,
  MAX_DELTA_BYTES,
  MAX_DELTA_MESSAGES,
  onlyGrown,
  sameStamp,
} from './indexFormat';
import type { CachedCorpus } from './indexReader';

/** How much a delta may hold before the base is rebuilt instead. */
export interface DeltaLimits {
  messages: number;
  bytes: number;
}

export const DELTA_LIMITS: DeltaLimits = { messages: MAX_DELTA_MESSAGES, bytes: MAX_DELTA_BYTES };
/** How long a follower's delta may grow while another process rebuilds its summary (16x a one-shot reader's). */
export const FOLLOWER_DELTA_LIMITS: DeltaLimits = { messages: 16 * MAX_DELTA_MESSAGES, bytes: 16 * MAX_DELTA_BYTES };

/**
 * The messages appended since the base, in corpus order; null when the change
 * is not a pure growth the delta can represent exactly within `limits`
 * (rebuild), 'moved' when the log grew while we read (try again).
 */
export function computeDelta(
  layout: Layout,
  base: CachedCorpus,
  limits: DeltaLimits = DELTA_LIMITS,
): DeltaMessage[] | null | 'moved' {
  const h = base.header;
  const baseSize = Math.max(0, h.log.size);
  let seq = 0;
  /** A message first seen in the appended bytes, numbered in corpus order. */
  const fresh = (fields: Omit<DeltaMessage, 'parent' | 'claimed' | 'claimedLines' | 'idFromBlock' | 'seq'>) => ({
    ...fields,
    parent: -1,
    claimed: [] as string[],
    claimedLines: [] as number[],
    idFromBlock: false,
    seq: seq++,
  });
  const logMsgs: DeltaMessage[] = [];
  const byLine = new Map<number, DeltaMessage>();
  const isRoomName = bareNameRule(layout, readStatusEntries(layout));
  const parentOf = (n: number): PlacedMessage | undefined => {
    if (n < 1 || n > h.log.lines) return byLine.get(n);
    const p = base.findNumber(n);
    return p >= 0 ? { room: base.room(p), target: base.target(p), from: base.from(p), to: base.to(p) } : undefined;
  };
  let totalLines = h.log.lines;
  let logSize = -1;
  let bytes = 0;

  const fd = openIfExists(layout.messagesLog);
  if (fd === null && h.log.size > 0) return null;
  if (fd !== null) {
    try {
      const st = fs.fstatSync(fd);
      logSize = st.size;
      if (logSize < baseSize) return null;
      // Replaced, or edited in place (same size, new time), or its first bytes changed: not growth.
      if (h.log.size >= 0) {
        if (st.ino !== h.log.ino || (logSize === baseSize && st.mtimeMs !== h.log.mtimeMs)) return null;
        if (fileHead(fd, h.log.size) !== h.log.head) return null;
      }
      if (baseSize > 0 && fileTail(fd, baseSize) !== h.log.tail) return null;
      if (logSize > baseSize) {
        if (h.log.partial) return null;
        if (logSize - baseSize > limits.bytes) return null;
        bytes += logSize - baseSize;
        const { lines, rest } = decodeLines(readRange(fd, baseSize, logSize), h.log.endsCR);
        if (rest !== '') lines.push(rest);
        for (const line of lines) {
          const number = ++totalLines;
          let fields = readLogLine(line, number, parentOf, isRoomName);
          if (!fields) {
            const owner = logMsgs[logMsgs.length - 1];
            if (owner) {
              continueLogMessage(owner, line, number);
              byLine.set(number, owner);
              continue;
            }
            if (h.logCount > 0) return null; // continues a base message
            fields = orphanLogLine(line, number);
          }
          const m = fresh(fields);
          logMsgs.push(m);
          byLine.set(number, m);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  // A new line that pairs with (or duplicates) a base message: the fresh load may match them differently.
  for (const m of logMsgs) if (base.hasShape(m)) return null;

  // Transcripts.
  const sources = stampSources(layout);
  const present = new Set(sources.map((s) => s.rel));
  for (const rel of Object.keys(h.files)) if (!present.has(rel)) return null;
  const toNames = new Set(h.toNames);
  const logByTime = new ByTime<DeltaMessage>();
  for (const m of logMsgs) logByTime.add(m);
  const legacy: DeltaMessage[] = [];
  const legacyById = new Map<string, DeltaMessage>();
  for (const source of sources) {
    const old = base.fileState(source.rel);
    if (old && sameStamp(old, source.stamp)) continue;
    if (!old && source.kind === 'room' && toNames.has(source.name)) return null;
    let blocks: SourceBlock[];
    const sfd = openIfExists(source.file);
    if (sfd === null) return null;
    try {
      const size = fs.fstatSync(sfd).size;
      // Grown past a block's end: only the new bytes are parsed (an equal size with a new stamp is read whole).
      const appended =
        old !== undefined && size > old.size ? appendedBlocks(source, sfd, old, source.stamp.ino, size) : null;
      if (appended && old) {
        if ((bytes += size - old.size) > limits.bytes) return null;
        blocks = appended;
      } else {
        if ((bytes += size - (old?.size ?? 0)) > limits.bytes) return null;
        const whole = readRange(sfd, 0, size);
        const all = readSourceText(source, whole.toString('utf8'), 0).blocks;
        const n = old?.blocks ?? 0;
        if (all.length < n || (n > 0 && blocksDigest(all.slice(0, n).map((b) => b.block)) !== old!.digest)) return null;
        blocks = all.slice(n);
        if (old) restamp(base, source, sfd, whole, old, all);
      }
    } finally {
      fs.closeSync(sfd);
    }
    // A block that pairs with a base message: the fresh load may match it differently.
    let pairsWithBase = false;
    const matcher: BlockMatcher<DeltaMessage> = {
      logMessage: (shape) => {
        if (base.hasShape(shape)) pairsWithBase = true;
        return logByTime.find(shape, (m) => !m.claimed.includes(source.key));
      },
      idFromBlock: (m) => m.idFromBlock,
      claim: (m, _log, block) => {
        m.claimed.push(source.key);
        m.claimedLines.push(block.lastLine);
        if (block.id) m.idFromBlock = true;
      },
      legacyById,
      addLegacy: (fields) => {
        const m = fresh(fields);
        legacy.push(m);
        return m;
      },
    };
    for (const block of blocks) {
      attachBlock(matcher, source.key, block);
      if (pairsWithBase) return null;
    }
  }
  // The log moved while we read the transcripts: a block may be missing its line.
  if (logSize !== currentSize(layout.messagesLog)) return 'moved';

  // Order: legacy messages merge in by time; they must all land after the base.
  for (const m of legacy) {
    if ((h.maxLegacyTime !== null && !(m.time > h.maxLegacyTime)) || (h.maxLogTime !== null && m.time < h.maxLogTime))
      return null;
  }
  if (logMsgs.length > 0 && h.maxTrailingTime !== null && !(logMsgs[0].time > h.maxTrailingTime)) return null;
  legacy.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
  const out: DeltaMessage[] = [];
  let j = 0;
  for (const m of logMsgs) {
    while (j < legacy.length && legacy[j].time < m.time) out.push(legacy[j++]);
    out.push(m);
  }
  while (j < legacy.length) out.push(legacy[j++]);
  if (out.length > limits.messages) return null;

  // Ids and replies: nothing new may collide with a base id or resolve a base message's dangling reply.
  if (h.unresolvedFrom > 0 && h.unresolvedFrom <= totalLines) return null;
  const unresolvedIds = new Set(h.unresolvedIds);
  for (const m of out) if (unresolvedIds.has(m.id) || (base.hasId(m.id) && !sharesIdHarmlessly(base, m))) return null;
  const position = new Map<DeltaMessage, number>(out.map((m, k) => [m, h.count + k]));
  for (const m of out) {
    if (m.replyTo === null) continue;
    const ref = typeof m.replyTo === 'number' ? String(m.replyTo) : m.replyTo.replace(/^#/, '');
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n <= h.log.lines) m.parent = base.findNumber(n);
      else {
        const p = byLine.get(n);
        m.parent = p ? position.get(p)! : -1;
      }
    } else {
      const inBase = base.find(ref);
      if (inBase >= 0) m.parent = inBase;
      else {
        const p = legacyById.get(ref) ?? out.find((x) => x.id === ref);
        m.parent = p ? position.get(p)! : -1;
      }
    }
  }
  return out;
}

/**
 * The blocks a transcript gained since `old` described it (as the file of
 * inode `ino` and `size` bytes, open as `fd`), parsed on their own: null
 * unless it only grew after a block's end (onlyGrown).
 */
export function appendedBlocks(
  source: Pick<SourceFile, 'kind' | 'name'>,
  fd: number,
  old: FileState,
  ino: number,
  size: number,
  withText = true,
): SourceBlock[] | null {
  if (source.kind === 'pythonDm' || size < old.size || !onlyGrown(fd, old, ino, size)) return null;
  return readSourceText(source, readRange(fd, old.size, size).toString('utf8'), old.lines, withText).blocks;
}

/**
 * Records the state of a source rewritten since the base whose first blocks
 * are still the base's (see restampedFiles.ts): the whole file when it holds
 * nothing more, else the part up to the end of the base's last block (so the
 * next reader parses only what follows). Nothing is recorded when the bytes
 * parsed are not the file as stamped, or that part does not end a block
 * cleanly on a "\n" line.
 */
function restamp(
  base: CachedCorpus,
  source: StampedSource,
  fd: number,
  whole: Buffer,
  old: FileState,
  blocks: SourceBlock[],
): void {
  const st = fs.fstatSync(fd);
  if (!sameStamp(st, source.stamp) || whole.length !== st.size) return;
  const partial = blocks.length > old.blocks;
  if (partial && old.blocks === 0) return;
  const size = partial ? afterLines(whole, blocks[old.blocks - 1].block.lastLine) : whole.length;
  if (size < 0) return;
  const lines = totalLines(countLines(whole.subarray(0, size)));
  if (partial && lines !== blocks[old.blocks - 1].block.lastLine) return;
  const tail = fileTail(fd, size);
  const clean = endsClean(tail);
  if (partial && !clean) return;
  base.restamped.set(source.rel, { ...source.stamp, size, tail, lines, blocks: old.blocks, digest: old.digest, clean });
  base.restampedSince = true;
}

/** The offset just after the `count`-th "\n", or -1. */
function afterLines(buf: Buffer, count: number): number {
  let at = 0;
  for (let k = 0; k < count; k++) {
    const nl = buf.indexOf(0x0a, at);
    if (nl === -1) return -1;
    at = nl + 1;
  }
  return at;
}

/**
 * A new log message may carry the id of a base log message (8 hex digits
 * repeat at a million messages): lookups by id find the first message with
 * it, the base's, in the delta as in a fresh load. Not so when either is a
 * legacy message (matched across transcripts by id) or the id is all digits
 * (it may read as a number).
 */
function sharesIdHarmlessly(base: CachedCorpus, m: DeltaMessage): boolean {
  if (m.number === null || /^\d+$/.test(m.id)) return false;
  const first = base.find(m.id);
  return first >= 0 && first < base.baseCount && base.number(first) !== null;
}

function currentSize(file: string): number {
  const st = lstatIfExists(file);
  return st === null ? -1 : st.size;
}
