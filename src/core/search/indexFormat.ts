/**
 * The persisted search index's file format (data/.coord-search-index):
 * "CSI1", u32 header length, header JSON, then 4-byte-aligned sections named
 * in the header. The header records the state of the files the index was
 * built from, so a reader can tell what changed since (see indexDelta.ts).
 */
import { fileTail } from '../disk/fsutil';
import { fnv } from '../read/messageIdentity';
import { StoredMessage } from '../read/storedMessage';
import { TranscriptBlock } from '../formats/transcript';

export const MAGIC = 'CSI1';
export const FORMAT_VERSION = 12;
/** Int32 words per message row in the meta section. */
export const META = 8;
/** A delta larger than this is folded into a new base. */
export const MAX_DELTA_MESSAGES = 2000;
export const MAX_DELTA_BYTES = 1 << 20;

export interface LogState {
  /** -1 when there is no log. */
  size: number;
  tail: string;
  /** Physical lines (the store's line count). */
  lines: number;
  endsCR: boolean;
  /** The last line has no terminator. */
  partial: boolean;
  /** The file's inode, modification time and a digest of its first bytes: an edit in place is a change, not growth. */
  ino: number;
  mtimeMs: number;
  head: string;
}

export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface FileState extends FileStamp {
  tail: string;
  lines: number;
  /** Message blocks (or Python DM lines) in the file, and a digest of them. */
  blocks: number;
  digest: string;
  /** Ends after a complete block ("---\n"): new bytes parse on their own. */
  clean: boolean;
}

export interface Header {
  version: number;
  log: LogState;
  files: Record<string, FileState>;
  count: number;
  /** Sum of each field's lengths over the base's documents. */
  fieldLengthSums: number[];
  strings: string[];
  replyIds: Record<string, string>;
  sections: Record<string, [number, number]>;
  /** Newest time of any message, of a log message, of a legacy one, of the legacy ones after the last log message. */
  maxTime: string;
  maxLogTime: string | null;
  maxLegacyTime: string | null;
  maxTrailingTime: string | null;
  logCount: number;
  /** The smallest reply number past the log's end (a reply new lines could resolve), 0 when none. */
  unresolvedFrom: number;
  unresolvedIds: string[];
  /** Recipients of log messages: a new room file with one of these names would change how a bare target reads. */
  toNames: string[];
  /** Rooms log lines were sent to, [spelling, time of the first], in order of first use (the room rule's evidence). */
  logRooms: Array<[string, string]>;
  /** Source keys the refs section points into. */
  sourceKeys: string[];
}

export const sameStamp = (a: FileStamp, b: FileStamp) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

/**
 * The open file (`size` bytes, inode `ino`) is the one `old` describes with bytes appended after a complete block
 * (or none): only the new bytes need reading.
 */
export function onlyGrown(fd: number, old: FileState, ino: number, size: number): boolean {
  return old.clean && old.ino === ino && size >= old.size && fileTail(fd, old.size) === old.tail;
}

export /** An order-independent digest of a file's message blocks (what search sees of them). */
function blocksDigest(blocks: TranscriptBlock[]): string {
  let a = 0;
  let b = 0;
  for (const block of blocks) {
    const s = [block.time, block.from, block.to ?? '', block.id ?? '', block.firstLine, block.text].join('\u0000');
    a = (a + fnv(s)) >>> 0;
    b = (b + fnv(s, 0x01000193 ^ 0x5bd1e995)) >>> 0;
  }
  return `${blocks.length}:${a.toString(16)}:${b.toString(16)}`;
}

export /** An id as a u32: 8-hex ids as their value, anything else hashed. */
function idKey(id: string): number {
  return /^[0-9a-f]{8}$/.test(id) ? parseInt(id, 16) : fnv(id, 0x811c9dc5);
}

/** A message appended since the base was written: a stored one whose transcript copies are known by source. */
export interface DeltaMessage extends Omit<StoredMessage, 'refs'> {
  /** Position of its parent in the whole corpus, or -1. */
  parent: number;
  /** Sources whose blocks it took (a source lends one block per message), and each block's last line. */
  claimed: string[];
  claimedLines: number[];
  idFromBlock: boolean;
}
