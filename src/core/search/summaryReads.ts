/**
 * The reading commands answered from the directory's summary (the persisted
 * index plus what was appended since, see persistedIndex.ts) by reading only
 * the rows they print: the last messages of a room, one thread. Rows are in
 * the store's allMessages() order and carry the fields the store gives (room,
 * parent as messageByRef resolves it), so answers equal a full load's.
 */
import * as fs from 'fs';
import { Message, MessageRef } from '../common/messageTypes';
import { mentionsInstance } from '../common/mentions';
import { ALERT_TAG, mentionTags } from './textTags';
import { hasInstanceShape } from '../common/names';
import { Layout } from '../disk/layout';
import { lstatIfExists, openIfExists, readRange, readTextIfExists } from '../disk/fsutil';
import { countLines, EMPTY_COUNT, totalLines } from '../disk/lines';
import { mayHaveReadStatus, TranscriptBlock } from '../formats/transcript';
import { ReadState } from '../read/readState';
import { discoverSources, readSourceText, SourceFile, sourceFromKey } from '../read/sources';
import { StoredMessage } from '../read/storedMessage';
import { ReadTargets, unreadInboxLines } from '../write/readMarkWrites';
import { CachedCorpus } from './indexReader';
import { FileState, onlyGrown } from './indexFormat';
import { appendedBlocks } from './indexDelta';

/** Messages of one room (lower-cased name), oldest first: the last `limit` when given. */
export function summaryRoomMessages(c: CachedCorpus, lowerRoom: string, limit?: number): Message[] {
  const want = limit !== undefined && limit > 0 ? limit : Infinity;
  const hits: number[] = [];
  for (let i = c.count - 1; i >= 0 && hits.length < want; i--) if (inRoom(c, i, lowerRoom)) hits.push(i);
  return hits.reverse().map((i) => c.message(i));
}

/**
 * A room's messages as `slice(start)` of all of them would give them, and how
 * many it holds: a message is built only for each row kept.
 */
export function summaryRoomSlice(
  c: CachedCorpus,
  lowerRoom: string,
  start: number,
): { total: number; messages: Message[] } {
  const rows = summaryRoomRows(c, lowerRoom);
  return { total: rows.length, messages: rows.slice(start).map((i) => c.message(i)) };
}

/** The rows of a room's messages, in order. */
export function summaryRoomRows(c: CachedCorpus, lowerRoom: string): number[] {
  const rows: number[] = [];
  for (let i = 0; i < c.count; i++) if (inRoom(c, i, lowerRoom)) rows.push(i);
  return rows;
}

function inRoom(c: CachedCorpus, i: number, lowerRoom: string): boolean {
  const room = c.room(i);
  return room !== null && room.toLowerCase() === lowerRoom;
}

/** A message and every reply below it, depth first in order; null when there is no such message. */
export function summaryThread(c: CachedCorpus, ref: MessageRef): Message[] | null {
  const root = c.find(ref);
  if (root < 0) return null;
  const children = new Map<number, number[]>();
  for (let i = 0; i < c.count; i++) {
    const p = c.parent(i);
    if (p < 0) continue;
    const list = children.get(p);
    if (list) list.push(i);
    else children.set(p, [i]);
  }
  const out: Message[] = [];
  const walk = (i: number) => {
    out.push(c.message(i));
    for (const child of children.get(i) ?? []) walk(child);
  };
  walk(root);
  return out;
}

/** What the visibility rule looks at: one object, refilled for each row (a million rows allocate nothing). */
export type UnreadFacts = Pick<StoredMessage, 'from' | 'room' | 'to'>;

/**
 * The rows `shown` keeps (the caller's visibility rule) that the read records
 * do not mark read for `me` (ReadState, the one rule), in order. Read from the
 * summary's columns: a message's time or id is looked at only when a mark
 * needs it, and transcript blocks only in the sources that can say "read"
 * (the reader's inbox, bash DMs, rooms with a bash position), read fresh from
 * their files since their statuses change in place.
 */
export function summaryUnreadRows(
  layout: Layout,
  c: CachedCorpus,
  me: string,
  shown: (m: UnreadFacts) => boolean,
  /** Only the rows flagged 1 here are looked at (all when absent). */
  among?: Uint8Array,
  /** Only rows from..to-1 are looked at (all when absent). */
  span?: { from: number; to: number },
): number[] {
  const reads = new ReadState({ layout, sourceKind: sourceFromKey }, me);
  // A mark at least as new as the base's newest message covers any base row without reading its time.
  const baseNewest = c.header.maxTime;
  const facts: UnreadFacts = { from: '', room: null, to: null };
  let row = 0;
  const time = () => c.time(row);
  const id = () => c.id(row);
  const unmarked: number[] = [];
  // Sender, room and recipient take few values together: `shown` is asked once for each.
  const shownByAddress = new AddressMemo(c.addressKeyLimit);
  const end = span?.to ?? c.count;
  for (row = span?.from ?? 0; row < end; row++) {
    if (among !== undefined && among[row] !== 1) continue;
    const address = c.addressKey(row);
    let visible = shownByAddress.get(address);
    if (visible === undefined) {
      facts.from = c.from(row);
      facts.room = c.room(row);
      facts.to = c.to(row);
      visible = facts.from !== me && shown(facts);
      shownByAddress.set(address, visible);
    }
    if (!visible) continue;
    const number = c.lastLine(row) === null ? null : c.number(row);
    if (!reads.markedRead(number, time, id, row < c.baseCount ? baseNewest : undefined)) unmarked.push(row);
  }
  const readByBlock = unmarked.length > 0 ? rowsReadByBlock(layout, c, reads, unmarked) : null;
  return readByBlock === null ? unmarked : unmarked.filter((i) => readByBlock[i] === 0);
}

/** A yes or no per address key (CachedCorpus.addressKey; -1 is never kept): flat when the keys are few. */
class AddressMemo {
  private readonly flat: Int8Array;
  private readonly rest = new Map<number, boolean>();

  constructor(limit: number) {
    this.flat = new Int8Array(limit <= FLAT_ADDRESSES ? limit : 0);
  }

  get(key: number): boolean | undefined {
    if (key < 0) return undefined;
    if (key < this.flat.length) return this.flat[key] === 0 ? undefined : this.flat[key] === 1;
    return this.rest.get(key);
  }

  set(key: number, value: boolean): void {
    if (key < 0) return;
    if (key < this.flat.length) this.flat[key] = value ? 1 : 2;
    else this.rest.set(key, value);
  }
}

const FLAT_ADDRESSES = 1 << 20;

/** Of `rows`, those a transcript block says are read (1), or null when no source can say so. */
function rowsReadByBlock(layout: Layout, c: CachedCorpus, reads: ReadState, rows: number[]): Uint8Array | null {
  // The sources that can say "read" and hold a block of these rows; a room says it by position alone (null).
  const canSay = new Map<string, SourceFile>();
  for (const source of discoverSources(layout)) if (reads.mayReadThrough(source.key)) canSay.set(source.key, source);
  if (canSay.size === 0) return null;
  // Each source holding a block of these rows, and the first line of those blocks.
  const touched = new Map<string, number>();
  c.eachRef((_i, source, lastLine) => {
    if (!canSay.has(source)) return;
    const first = touched.get(source);
    if (first === undefined || lastLine < first) touched.set(source, lastLine);
  }, rows);
  const blocks = new Map<string, Map<number, TranscriptBlock> | null>();
  for (const [key, firstLine] of touched) {
    const source = canSay.get(key)!;
    if (source.kind === 'room') {
      blocks.set(key, null);
      continue;
    }
    const found = blocksFrom(c, source, firstLine);
    if (found) blocks.set(key, found);
  }
  if (blocks.size === 0) return null;
  const read = new Uint8Array(c.count);
  // One stub and one ref, refilled for each of a million refs (refSaysRead keeps neither).
  const stub = stubBlock(0);
  const ref = { source: '', block: stub };
  c.eachRef((i, source, lastLine) => {
    const byLine = blocks.get(source);
    if (byLine === undefined || read[i] === 1) return;
    let block = byLine?.get(lastLine);
    if (!block) {
      stub.lastLine = lastLine;
      block = stub;
    }
    ref.source = source;
    ref.block = block;
    if (reads.refSaysRead(ref)) read[i] = 1;
  }, rows);
  return read;
}

/**
 * A source's message blocks as they are now, by last line, from the block
 * ending at `firstLine` on: only the bytes appended since the summary when
 * every such block was appended since (the rows read after a mark-read all);
 * null when no block can say "read" (an inbox without a read status).
 */
function blocksFrom(c: CachedCorpus, source: SourceFile, firstLine: number): Map<number, TranscriptBlock> | null {
  const state = c.fileState(source.rel);
  if (state && firstLine > state.lines) {
    const fd = openIfExists(source.file);
    if (fd !== null) {
      try {
        const st = fs.fstatSync(fd);
        const appended = appendedBlocks(source, fd, state, st.ino, st.size, false);
        if (appended) return new Map(appended.map(({ block }) => [block.lastLine, block]));
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  const text = readTextIfExists(source.file);
  if (source.kind === 'inbox' && !mayHaveReadStatus(text)) return null;
  return blocksByLastLine(source, text);
}

/** A source's message blocks as they are now, by last line (how the summary's refs name them); texts left ''. */
function blocksByLastLine(source: SourceFile, text: string): Map<number, TranscriptBlock> {
  const byLine = new Map<number, TranscriptBlock>();
  for (const { block } of readSourceText(source, text, 0, false).blocks) byLine.set(block.lastLine, block);
  return byLine;
}

function stubBlock(lastLine: number): TranscriptBlock {
  return { kind: 'message', time: '', from: '', to: null, id: null, text: '', status: null, firstLine: 0, lastLine };
}

/** Of `rows`, those whose text mentions `me` (mentionsInstance, the one rule), by the summary's text tags. */
export function summaryMentioning(c: CachedCorpus, rows: number[], me: string): number[] {
  if (!hasInstanceShape(me)) return rowsWhoseText(c, rows, [`@${me}`, '@all'], (text) => mentionsInstance(text, me));
  return rowsTagged(c, rows, mentionTags(me));
}

/** Of `rows`, the alerts (isAlert, the one rule), by the summary's text tags. */
export function summaryAlerts(c: CachedCorpus, rows: number[]): number[] {
  return rowsTagged(c, rows, [ALERT_TAG]);
}

function rowsTagged(c: CachedCorpus, rows: number[], tags: string[]): number[] {
  if (rows.length === 0) return [];
  const tagged = new Uint8Array(c.count);
  c.markTagged(tags, tagged);
  return rows.filter((i) => tagged[i] === 1);
}

const FEW_ROWS = 5000;

function rowsWhoseText(c: CachedCorpus, rows: number[], needles: string[], rule: (text: string) => boolean): number[] {
  if (rows.length === 0) return [];
  // A few rows are read one by one; many by one scan of all texts for the words the rule needs.
  if (rows.length <= FEW_ROWS) return rows.filter((i) => rule(c.text(i)));
  const candidate = new Uint8Array(c.count);
  c.markTextContaining(needles, candidate);
  return rows.filter((i) => candidate[i] === 1 && rule(c.text(i)));
}

/**
 * What marking `rows` read records (see ReadTargets), from the summary and
 * the reader's inbox as it is now; without its inbox lines for mark-read all
 * (which turns every unread inbox line: see planReadMarks).
 */
export function summaryReadTargets(
  layout: Layout,
  c: CachedCorpus,
  me: string,
  rows: number[],
  withInboxLines = true,
): ReadTargets {
  // Sized once: a million pushes would grow (and copy) both arrays many times.
  const targets: ReadTargets = { refs: new Array(rows.length), lastLines: new Array(rows.length), inboxLines: [] };
  rows.forEach((i, k) => {
    const lastLine = c.lastLine(i);
    targets.refs[k] = lastLine === null ? c.id(i) : (c.number(i) as number);
    targets.lastLines[k] = lastLine ?? 0;
  });
  const inbox = withInboxLines ? discoverSources(layout).find((s) => s.kind === 'inbox' && s.name === me) : undefined;
  if (!inbox) return targets;
  const blocks = blocksByLastLine(inbox, readTextIfExists(inbox.file));
  c.eachRef((_i, source, lastLine) => {
    const block = source === inbox.key ? blocks.get(lastLine) : undefined;
    if (block) unreadInboxLines(inbox, me, block, targets.inboxLines);
  }, rows);
  return targets;
}

/**
 * Lines in each room and bash DM transcript (for bash read positions), as the
 * store counts them: the summary's count plus the lines appended after a
 * clean end, or the whole file counted again when it changed otherwise.
 */
export function summaryTranscriptLines(
  layout: Layout,
  c: CachedCorpus,
): Array<{ kind: 'chatroom' | 'dm'; name: string; lines: number }> {
  const out: Array<{ kind: 'chatroom' | 'dm'; name: string; lines: number }> = [];
  for (const source of discoverSources(layout)) {
    if (source.kind !== 'room' && source.kind !== 'bashDm') continue;
    out.push({
      kind: source.kind === 'room' ? 'chatroom' : 'dm',
      name: source.name,
      lines: countFileLines(source.file, c.fileState(source.rel)),
    });
  }
  return out;
}

function countFileLines(file: string, old: FileState | undefined): number {
  if (!lstatIfExists(file)?.isFile()) return 0;
  const fd = openIfExists(file);
  if (fd === null) return 0;
  try {
    const st = fs.fstatSync(fd);
    const appended = old !== undefined && onlyGrown(fd, old, st.ino, st.size);
    let lines = appended ? old.lines : 0;
    let count = EMPTY_COUNT;
    for (let at = appended ? old.size : 0; at < st.size; at += CHUNK)
      count = countLines(readRange(fd, at, Math.min(st.size, at + CHUNK)), count);
    lines += totalLines(count);
    return lines;
  } finally {
    fs.closeSync(fd);
  }
}

const CHUNK = 1 << 20;
