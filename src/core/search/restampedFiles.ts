/**
 * Transcripts rewritten since the summary's base was built but holding the
 * same message blocks: an inbox whose `STATUS: unread` lines a `mark-read`
 * (ours or bash's) turned to read. The delta parses such a file whole to find
 * nothing new; its state after that parse is kept beside the summary
 * (data/.coord-search-index.files), so the next reader compares stamps and
 * skips it. The record is tied to one base file (its inode, size and time): a
 * rebuilt summary starts without one. A cache: deleting it is always safe.
 */
import * as fs from 'fs';
import { fileStamp, writeCacheFile } from '../disk/fsutil';
import { Layout } from '../disk/layout';
import { FileState } from './indexFormat';
import type { CachedCorpus } from './indexReader';

interface RestampedRecord {
  base: string;
  files: Record<string, FileState>;
}

const recordFile = (layout: Layout) => `${layout.searchIndex}.files`;

/** Puts what was kept beside this base into `corpus.restamped`. */
export function loadRestamped(layout: Layout, corpus: CachedCorpus): void {
  let record: RestampedRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile(layout), 'utf8')) as RestampedRecord;
  } catch {
    return;
  }
  if (record?.base !== corpus.identity() || typeof record.files !== 'object' || record.files === null) return;
  for (const [rel, state] of Object.entries(record.files))
    if (isFileState(state) && corpus.header.files[rel]) corpus.restamped.set(rel, state);
}

/** Keeps `corpus.restamped` beside the summary, when a delta found more and the summary is still this base. */
export function saveRestamped(layout: Layout, corpus: CachedCorpus): void {
  if (!corpus.restampedSince) return;
  corpus.restampedSince = false;
  try {
    const base = corpus.identity();
    if (fileStamp(layout.searchIndex) !== base) return;
    const record: RestampedRecord = { base, files: Object.fromEntries(corpus.restamped) };
    writeCacheFile(recordFile(layout), [Buffer.from(JSON.stringify(record), 'utf8')]);
  } catch {
    /* a cache */
  }
}

function isFileState(s: unknown): s is FileState {
  const f = s as FileState;
  return (
    typeof f === 'object' &&
    f !== null &&
    [f.size, f.mtimeMs, f.ino, f.lines, f.blocks].every((n) => typeof n === 'number') &&
    typeof f.tail === 'string' &&
    typeof f.digest === 'string' &&
    typeof f.clean === 'boolean'
  );
}
