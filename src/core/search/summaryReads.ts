/**
 * The reading commands answered from the directory's summary (the persisted
 * index plus what was appended since, see persistedIndex.ts) by reading only
 * the rows they print: the last messages of a room, one thread. Rows are in
 * the store's allMessages() order and carry the fields the store gives (room,
 * parent as messageByRef resolves it), so answers equal a full load's.
 */
import * as fs from 'fs';
import { Message, MessageRef } from '../common/messageTypes';
import { Layout } from '../disk/layout';
import { lstatIfExists, openIfExists, readRange, readTextIfExists } from '../disk/fsutil';
import { countLines, EMPTY_COUNT, totalLines } from '../disk/lines';
import { TranscriptBlock } from '../formats/transcript';
import { ReadState } from '../read/readState';
import { discoverSources, readSourceText, sourceFromKey } from '../read/sources';
import { StoredMessage } from '../read/storedMessage';
import { CachedCorpus } from './indexReader';
import { FileState, onlyGrown } from './indexFormat';

/** Messages of one room (lower-cased name), oldest first: the last `limit` when given. */
export function summaryRoomMessages(c: CachedCorpus, lowerRoom: string, limit?: number): Message[] {
  const want = limit !== undefined && limit > 0 ? limit : Infinity;
  const hits: number[] = [];
  for (let i = c.count - 1; i >= 0 && hits.length < want; i--) {
    const room = c.room(i);
    if (room !== null && room.toLowerCase() === lowerRoom) hits.push(i);
  }
  return hits.reverse().map((i) => c.message(i));
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

/**
 * The messages `shown` keeps (the caller's visibility rule) that the read
 * records do not mark read for `me` (ReadState, the one rule), as stored
 * messages whose transcript blocks are read from the files now where their
 * state counts (statuses change in place): the reader's inbox, bash DM files.
 */
export function summaryUnread(
  layout: Layout,
  c: CachedCorpus,
  me: string,
  shown: (m: Pick<StoredMessage, 'from' | 'room' | 'to'>) => boolean,
): StoredMessage[] {
  const reads = new ReadState({ layout, sourceKind: sourceFromKey }, me);
  const fresh = freshBlocks(layout, me);
  // First what read state looks at (no text), then whole messages for the unread ones alone.
  const unread: Array<[number, StoredMessage]> = [];
  for (let i = 0; i < c.count; i++) {
    const cheap = { from: c.from(i), room: c.room(i), to: c.to(i) };
    if (!shown(cheap)) continue;
    const m = lightRow(c, i, cheap, fresh);
    if (!reads.isRead(m)) unread.push([i, m]);
  }
  if (unread.length > 256) c.prepareScan();
  // The stored row, not the Message: toMessage decodes the importance and ack tags from its text.
  return unread.map(([i, m]) => ({ ...m, ...c.stored(i) }));
}

type FreshBlocks = Map<string, Map<number, TranscriptBlock>>;

/** Blocks whose status read state looks at, by source key and last line. */
function freshBlocks(layout: Layout, me: string): FreshBlocks {
  const out: FreshBlocks = new Map();
  for (const source of discoverSources(layout)) {
    if (!(source.kind === 'inbox' && source.name === me) && source.kind !== 'bashDm') continue;
    const byLine = new Map<number, TranscriptBlock>();
    for (const { block } of readSourceText(source, readTextIfExists(source.file), 0).blocks)
      byLine.set(block.lastLine, block);
    out.set(source.key, byLine);
  }
  return out;
}

/** A row with what ReadState reads (sender, number, time, id, blocks); its text and target are filled in later. */
function lightRow(
  c: CachedCorpus,
  i: number,
  cheap: { from: string; room: string | null; to: string | null },
  fresh: FreshBlocks,
): StoredMessage {
  const refs = c.refs(i).map(({ source, lastLine }) => ({
    source,
    block: fresh.get(source)?.get(lastLine) ?? stubBlock(lastLine),
  }));
  const lastLine = c.lastLine(i);
  return {
    ...cheap,
    number: lastLine === null ? null : c.number(i),
    id: c.id(i),
    time: c.time(i),
    target: '',
    text: '',
    replyTo: null,
    seq: i,
    dm: false,
    lastLine,
    refs,
  };
}

function stubBlock(lastLine: number): TranscriptBlock {
  return { kind: 'message', time: '', from: '', to: null, id: null, text: '', status: null, firstLine: 0, lastLine };
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
      lines: countFileLines(source.file, c.header.files[source.rel]),
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
