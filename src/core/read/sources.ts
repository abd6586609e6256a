/**
 * The transcripts a directory holds (room files, inboxes, bash DM files,
 * Python DM files) and what each block in them stands for: the target and
 * DM flag of the message it copies. The store and the persisted search
 * index's delta reader both read transcripts through here.
 */
import * as path from 'path';
import { Layout } from '../disk/layout';
import { listFiles, lstatIfExists } from '../disk/fsutil';
import { parsePythonDm } from '../formats/pythonDm';
import { parseTranscript, TranscriptBlock, TranscriptEvent } from '../formats/transcript';
import { splitDmPair } from './messageIdentity';

export type SourceKind = 'room' | 'inbox' | 'bashDm' | 'pythonDm';

export interface SourceFile {
  /** The store's key for it, e.g. room:general. */
  key: string;
  kind: SourceKind;
  /** Path relative to the directory, e.g. chatrooms/general.txt. */
  rel: string;
  file: string;
  /** Room name, inbox owner, or the DM pair `a_b`. */
  name: string;
}

/** The transcripts, rooms first, then inboxes, then DM files, each sorted by name. */
export function discoverSources(layout: Layout): SourceFile[] {
  const found: SourceFile[] = [];
  const add = (dir: string, sub: string, kind: SourceKind, fileName: string, name: string, keyName = name) =>
    found.push({ key: `${kind}:${keyName}`, kind, rel: `${sub}/${fileName}`, file: path.join(dir, fileName), name });
  for (const f of listFiles(layout.chatroomsDir)) add(layout.chatroomsDir, 'chatrooms', 'room', f, f.slice(0, -4));
  for (const f of listFiles(layout.inboxesDir)) add(layout.inboxesDir, 'inboxes', 'inbox', f, f.slice(0, -4));
  for (const f of listFiles(layout.dmsDir)) {
    const base = f.slice(0, -4);
    if (base.startsWith('dm_')) add(layout.dmsDir, 'dms', 'pythonDm', f, base.slice(3), base);
    else add(layout.dmsDir, 'dms', 'bashDm', f, base);
  }
  return found;
}

/** The kind and name a source key (see discoverSources) stands for. */
export function sourceFromKey(key: string): { kind: SourceKind; name: string } | undefined {
  const at = key.indexOf(':');
  const kind = key.slice(0, at) as SourceKind;
  const keyName = key.slice(at + 1);
  if (kind === 'pythonDm') return keyName.startsWith('dm_') ? { kind, name: keyName.slice(3) } : undefined;
  return kind === 'room' || kind === 'inbox' || kind === 'bashDm' ? { kind, name: keyName } : undefined;
}

export interface StampedSource extends SourceFile {
  stamp: { size: number; mtimeMs: number; ino: number };
}

/** The transcripts that are regular files, with their size, modification time and inode. */
export function stampSources(layout: Layout): StampedSource[] {
  const out: StampedSource[] = [];
  for (const source of discoverSources(layout)) {
    const st = lstatIfExists(source.file);
    if (st?.isFile()) out.push({ ...source, stamp: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } });
  }
  return out;
}

/** A message block and the message it copies: its target and whether it was a DM. */
export interface SourceBlock {
  block: TranscriptBlock;
  target: string;
  dm: boolean;
}

/**
 * The blocks and SYSTEM lines of a transcript's text; `lineOffset` is the
 * number of lines before it (bytes appended to a file already read). Python
 * DM files name no recipient: the pair in the file name does.
 */
export function readSourceText(
  source: Pick<SourceFile, 'kind' | 'name'>,
  text: string,
  lineOffset: number,
  withText = true,
): { blocks: SourceBlock[]; events: TranscriptEvent[] } {
  if (source.kind === 'pythonDm') {
    const lines = parsePythonDm(text);
    const pair = splitDmPair(
      source.name,
      lines.map((l) => l.from),
    );
    const blocks = lines.map((line): SourceBlock => {
      const to = line.from === pair[0] ? pair[1] : pair[0];
      const block: TranscriptBlock = {
        kind: 'message',
        time: line.time,
        from: line.from,
        to,
        id: null,
        text: line.text,
        status: null,
        firstLine: line.line,
        lastLine: line.line,
      };
      return { block, target: `@${to}`, dm: true };
    });
    return { blocks, events: [] };
  }
  const blocks: SourceBlock[] = [];
  const events: TranscriptEvent[] = [];
  const target = source.kind === 'room' ? `#${source.name}` : `@${source.name}`;
  for (const item of parseTranscript(text, lineOffset, withText)) {
    if (item.kind === 'system') events.push(item);
    else if (source.kind === 'room' || source.kind === 'inbox') blocks.push({ block: item, target, dm: false });
    else {
      const to = item.to ?? splitDmPair(source.name, [item.from]).find((p) => p !== item.from) ?? '';
      blocks.push({ block: item, target: `@${to}`, dm: true });
    }
  }
  return { blocks, events };
}
