/**
 * Whether a message counts as read for one instance. Every tool records it
 * its own way (Python: read-status/<id>.txt marks by number or id; bash:
 * inbox STATUS lines, DM "read by" lines, transcript positions, DM receipts):
 * any record that says so wins.
 */
import * as path from 'path';
import { Layout } from '../disk/layout';
import { listFiles, readTextIfExists } from '../disk/fsutil';
import { parseDmReads, parsePositions, positionsByKey, ReadMarks } from '../formats/readMarks';
import { readMarksOf } from './readMarkTable';
import { SourceKind } from './sources';
import { StoredMessage, TranscriptRef } from './storedMessage';

/** Whether a message counts as read for one instance: any record that says so wins. */
export class ReadState {
  readonly marks: ReadMarks;
  private positions: Map<string, number>;
  private dmReceipts: Map<string, string[]> = new Map();
  /** A bash DM block's status when this instance read it. */
  private readonly readByMe: string;

  constructor(
    private store: { layout: Layout; sourceKind(key: string): { kind: SourceKind; name: string } | undefined },
    readonly instance: string,
  ) {
    const layout = store.layout;
    this.readByMe = `read by ${instance}`;
    this.marks = readMarksOf(layout, instance);
    this.positions = positionsByKey(parsePositions(readTextIfExists(layout.positions(instance))));
    for (const name of listFiles(layout.readStatusDir)) {
      const m = /^dm_(.+)_reads\.txt$/.exec(name);
      if (!m) continue;
      const prefixes = parseDmReads(readTextIfExists(path.join(layout.readStatusDir, name)))
        .filter((r) => r.reader === instance)
        .map((r) => r.idPrefix);
      this.dmReceipts.set(m[1], prefixes);
    }
  }

  isRead(m: StoredMessage): boolean {
    return (
      m.from === this.instance ||
      this.markedRead(m.number, () => m.time, m.id) ||
      m.refs.some((ref) => this.refSaysRead(ref))
    );
  }

  /**
   * The read marks' part of the rule. The message's time is asked for only
   * when a mark for its number could be older than it: not when the mark is
   * at least `newest` (the newest message's time), the usual case.
   */
  markedRead(number: number | null, time: () => string, id: string | (() => string), newest?: string): boolean {
    if (number !== null) {
      const mark = this.marks.numbers.get(number);
      if (mark !== undefined && ((newest !== undefined && mark >= newest) || markCovers(mark, time()))) return true;
    }
    return this.marks.ids.size > 0 && this.marks.ids.has(typeof id === 'string' ? id : id());
  }

  /** What a source key names, and its read-positions key (a room, a bash DM file), worked out once per key. */
  private sourceInfo(key: string): { kind: SourceKind; name: string; positionKey: string | null } | null {
    let info = this.sourceInfos.get(key);
    if (info === undefined) {
      const s = this.store.sourceKind(key);
      const positionKey = s?.kind === 'room' ? `chatroom:${s.name}` : s?.kind === 'bashDm' ? `dm:${s.name}` : null;
      info = s ? { kind: s.kind, name: s.name, positionKey } : null;
      this.sourceInfos.set(key, info);
    }
    return info;
  }

  /** By source key: refSaysRead runs once per transcript ref, a million times at a million messages. */
  private readonly sourceInfos = new Map<
    string,
    { kind: SourceKind; name: string; positionKey: string | null } | null
  >();

  /** Whether a transcript block in this source can ever say a message is read (so its blocks need looking at). */
  mayReadThrough(sourceKey: string): boolean {
    const source = this.sourceInfo(sourceKey);
    if (!source) return false;
    if (source.kind === 'inbox') return source.name === this.instance;
    if (source.kind === 'bashDm') return true;
    return source.kind === 'room' && this.positions.has(source.positionKey!);
  }

  refSaysRead(ref: TranscriptRef): boolean {
    const source = this.sourceInfo(ref.source);
    if (!source) return false;
    const status = ref.block.status;
    if (source.kind === 'inbox' && source.name === this.instance && status === 'read') return true;
    if (source.kind === 'bashDm' && status === this.readByMe) return true;
    const positionKey = source.positionKey;
    if (positionKey) {
      const pos = this.positions.get(positionKey);
      if (pos !== undefined && ref.block.lastLine <= pos) return true;
    }
    const id = ref.block.id;
    if (source.kind === 'bashDm' && id) {
      const prefixes = this.dmReceipts.get(source.name);
      if (prefixes) for (const p of prefixes) if (id.startsWith(p)) return true;
    }
    return false;
  }
}

/**
 * A mark made before the message was written belongs to an older log that
 * was since replaced (the legacy sample's marks point at a log that is gone).
 */
function markCovers(markTime: string | undefined, messageTime: string): boolean {
  if (markTime === undefined) return false;
  if (markTime === '' || messageTime === '') return true;
  return markTime >= messageTime;
}
