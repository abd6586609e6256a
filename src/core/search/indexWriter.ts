/** Writes the persisted search index (format: indexFormat.ts) from a loaded store and its in-memory index. */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { fileTail, withFileIfExists } from '../disk/fsutil';
import { TranscriptBlock } from '../formats/transcript';
import { DirectoryStore, StoredMessage } from '../read/store';
import { StampedSource } from '../read/sources';
import { MessageSearchIndex } from './memoryIndex';
import { blocksDigest, FileState, FORMAT_VERSION, Header, idKey, LogState, MAGIC, META } from './indexFormat';

export function writeSearchCache(
  layout: Layout,
  store: DirectoryStore,
  index: MessageSearchIndex,
  log: LogState,
  sources: StampedSource[],
): void {
  const count = index.count;
  const all: StoredMessage[] = [];
  for (let i = 0; i < count; i++) all.push(index.stored(i));

  // Each transcript's state, with its blocks as the store read them (every block sits in one message's refs).
  const blocksBySource = new Map<string, TranscriptBlock[]>();
  for (const m of all) {
    for (const ref of m.refs) {
      const list = blocksBySource.get(ref.source);
      if (list) list.push(ref.block);
      else blocksBySource.set(ref.source, [ref.block]);
    }
  }
  const files: Record<string, FileState> = {};
  for (const s of sources) {
    const tail = withFileIfExists(s.file, '', (fd) => fileTail(fd, s.stamp.size));
    const blocks = blocksBySource.get(s.key) ?? [];
    files[s.rel] = {
      ...s.stamp,
      tail,
      lines: store.sourceOf(s.key)?.lines ?? 0,
      blocks: blocks.length,
      digest: blocksDigest(blocks),
      clean: Buffer.from(tail, 'base64').toString('latin1').endsWith('---\n'),
    };
  }
  // What the delta needs to know to stay exact.
  let maxTime = '';
  let maxLogTime: string | null = null;
  let maxLegacyTime: string | null = null;
  let maxTrailingTime: string | null = null;
  let logCount = 0;
  let unresolvedFrom = 0;
  const unresolvedIds: string[] = [];
  const toNames = new Set<string>();
  const logRooms = new Map<string, [string, string]>();
  for (const m of all) {
    if (m.number !== null && m.room !== null && m.room !== '' && !logRooms.has(m.room.toLowerCase()))
      logRooms.set(m.room.toLowerCase(), [m.room, m.time]);
  }
  let trailing = true;
  for (let i = count - 1; i >= 0; i--) {
    const m = all[i];
    if (m.time > maxTime) maxTime = m.time;
    if (m.number !== null) {
      trailing = false;
      logCount++;
      if (maxLogTime === null || m.time > maxLogTime) maxLogTime = m.time;
      if (m.to !== null) toNames.add(m.to);
    } else {
      if (maxLegacyTime === null || m.time > maxLegacyTime) maxLegacyTime = m.time;
      if (trailing && (maxTrailingTime === null || m.time > maxTrailingTime)) maxTrailingTime = m.time;
    }
    if (m.replyTo !== null && index.parent(i) < 0) {
      const ref = typeof m.replyTo === 'number' ? String(m.replyTo) : m.replyTo.replace(/^#/, '');
      if (/^\d+$/.test(ref)) {
        const n = Number(ref);
        if (n > store.lineCount && (unresolvedFrom === 0 || n < unresolvedFrom)) unresolvedFrom = n;
      } else unresolvedIds.push(ref);
    }
  }
  const postings = index.postingIndex;

  // Strings, metadata, ids, times, texts.
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const str = (s: string | null): number => {
    if (s === null) return -1;
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return id;
  };
  const meta = new Int32Array(count * META);
  const replyIds: Record<string, string> = {};
  const ids: string[] = [];
  const times: string[] = [];
  const textParts: Buffer[] = [];
  const lowerText: string[] = [];
  const lowerWho: string[] = [];
  // Which transcript blocks copy each message (source, last line): what read state needs of them.
  const sourceKeys: string[] = [];
  const sourceIds = new Map<string, number>();
  const refStarts = new Uint32Array(count + 1);
  const refWords: number[] = [];
  const textBytes = new Uint32Array(count + 1);
  const textChars = new Uint32Array(count + 1);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const m = all[i];
    const o = i * META;
    meta[o] = m.number ?? 0;
    meta[o + 1] = m.lastLine ?? 0;
    meta[o + 2] = str(m.from);
    meta[o + 3] = str(m.target);
    meta[o + 4] = str(m.room);
    meta[o + 5] = str(m.to);
    meta[o + 6] = index.parent(i);
    if (typeof m.replyTo === 'number') meta[o + 7] = m.replyTo;
    else if (typeof m.replyTo === 'string') {
      meta[o + 7] = -1;
      replyIds[i] = m.replyTo;
    }
    for (const ref of m.refs) {
      let k = sourceIds.get(ref.source);
      if (k === undefined) {
        k = sourceKeys.length;
        sourceKeys.push(ref.source);
        sourceIds.set(ref.source, k);
      }
      refWords.push(k, ref.block.lastLine);
    }
    refStarts[i + 1] = refWords.length / 2;
    ids.push(m.id);
    lowerText.push(m.text.toLowerCase());
    lowerWho.push(`${m.from} ${m.target}`.toLowerCase());
    times.push(m.time);
    const bytes = Buffer.from(m.text, 'utf8');
    textParts.push(bytes);
    offset += bytes.length;
    textBytes[i + 1] = offset;
    textChars[i + 1] = textChars[i] + m.text.length;
  }

  // Postings, in sorted term order.
  const terms = postings.vocab();
  const postStart = new Uint32Array(terms.length + 1);
  let postWords = 0;
  for (let k = 0; k < terms.length; k++) {
    postWords += postings.postings(k).length;
    postStart[k + 1] = postWords / 2;
  }
  const post = new Uint32Array(postWords);
  const postDf = new Uint32Array(terms.length * 3);
  for (let k = 0; k < terms.length; k++) {
    post.set(postings.postings(k), postStart[k] * 2);
    for (let f = 0; f < 3; f++) postDf[k * 3 + f] = postings.df(k, f);
  }
  // Lookups the delta needs without reading whole columns: id hashes sorted, positions by time.
  const idHash = Uint32Array.from(ids, idKey).sort();
  const timeOrder = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) =>
    times[a] < times[b] ? -1 : times[a] > times[b] ? 1 : a - b,
  );

  const sections: Array<[string, Buffer]> = [
    ['meta', typedBytes(meta)],
    ...stringColumn('ids', ids),
    ...stringColumn('times', times),
    // Exact queries search these whole (NUL-separated so no match spans two messages).
    ...stringColumn(
      'lowerText',
      lowerText.map((t) => `${t}\u0000`),
    ),
    ...stringColumn(
      'lowerWho',
      lowerWho.map((t) => `${t}\u0000`),
    ),
    ['textBytes', typedBytes(textBytes)],
    // Where each text starts in the whole text section decoded at once (UTF-16 units), for scans.
    ['textChars', typedBytes(textChars)],
    ['text', Buffer.concat(textParts)],
    ['vocab', Buffer.from(terms.join('\n'), 'utf8')],
    ['postStart', typedBytes(postStart)],
    ['postDf', typedBytes(postDf)],
    ['post', typedBytes(post)],
    ['idHash', typedBytes(idHash)],
    ['timeOrder', typedBytes(timeOrder)],
    ['refStarts', typedBytes(refStarts)],
    ['refs', typedBytes(Int32Array.from(refWords))],
  ];
  const header: Header = {
    version: FORMAT_VERSION,
    log: { ...log, lines: store.lineCount },
    files,
    count,
    fieldLengthSums: postings.sums.slice(),
    strings,
    replyIds,
    sections: {},
    maxTime,
    maxLogTime,
    maxLegacyTime,
    maxTrailingTime,
    logCount,
    unresolvedFrom,
    unresolvedIds,
    toNames: [...toNames],
    logRooms: [...logRooms.values()],
    sourceKeys,
  };
  // Section offsets depend on the header's length, which depends on them: reserve room for the digits.
  let headerBytes = Buffer.from(JSON.stringify(header));
  for (let attempt = 0; attempt < 3; attempt++) {
    let at = align(8 + headerBytes.length + 64);
    for (const [name, bytes] of sections) {
      header.sections[name] = [at, bytes.length];
      at = align(at + bytes.length);
    }
    const next = Buffer.from(JSON.stringify(header));
    if (next.length <= headerBytes.length + 64) {
      headerBytes = Buffer.concat([next, Buffer.alloc(headerBytes.length + 64 - next.length, 0x20)]);
      break;
    }
    headerBytes = next;
  }
  const total = header.sections[sections[sections.length - 1][0]];
  const out = Buffer.alloc(total[0] + total[1]);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 4);
  headerBytes.copy(out, 8);
  for (const [name, bytes] of sections) bytes.copy(out, header.sections[name][0]);
  const file = layout.searchIndex;
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, out, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not there */
    }
    throw error;
  }
}

const align = (n: number) => (n + 3) & ~3;

/** A column of short strings: their UTF-8 bytes and where each starts, so one can be read alone. */
function stringColumn(name: string, values: string[]): Array<[string, Buffer]> {
  const starts = new Uint32Array(values.length + 1);
  const parts: Buffer[] = [];
  let at = 0;
  values.forEach((v, i) => {
    const b = Buffer.from(v, 'utf8');
    parts.push(b);
    at += b.length;
    starts[i + 1] = at;
  });
  return [
    [`${name}Starts`, typedBytes(starts)],
    [name, Buffer.concat(parts)],
  ];
}

function typedBytes(a: Int32Array | Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
