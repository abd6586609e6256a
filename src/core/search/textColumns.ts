/**
 * The text half of the persisted index (format: indexFormat.ts): for each
 * message, its lower-cased text (streamed to the file as it comes, from
 * PREFIX_BYTES on), its case entry and length, and the postings of its text,
 * sender and room, with the field-length sums. Messages are added in order;
 * `finish` may then insert more at given positions between them (the
 * directory scan adds the log's messages as it reads the log, and only later
 * learns where the legacy ones go), and writes the other text sections after
 * the texts. It runs in the process or in a worker (indexWorker.ts).
 */
import * as fs from 'fs';
import { PostingReader, PREFIX_BYTES } from './indexFormat';
import { TermCounter } from './termCounter';

/** A message's searchable fields; `room` is '' for none. */
export interface TextRow {
  text: string;
  from: string;
  room: string;
}

/** A message to insert: its position among all of them once inserted. */
export interface TextInsert extends TextRow {
  at: number;
}

/** What finish wrote: each section's [offset, length], where the next one may start, the field-length sums. */
export interface TextSections {
  sections: Record<string, [number, number]>;
  end: number;
  sums: number[];
}

const STAGE_BYTES = 1 << 22;
/** from and room values repeat: their terms are worked out once each (up to this many values). */
const FIELD_CACHE = 4096;

interface FieldTerms {
  length: number;
  terms: Int32Array;
  tf: Int32Array;
}

export class TextColumns {
  private n = 0;
  private readonly lowerStarts = new U32List();
  private readonly caseStarts = new U32List();
  private readonly chars = new U32List();
  private caseBytes = new ByteList();
  /** Postings by term id (the counter's). */
  private postings: TermPostings[] = [];
  private readonly fieldCache = new Map<string, FieldTerms>();
  private readonly sums = [0, 0, 0];
  /** The lower-cased texts not yet written, and how many bytes of them were. */
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private flushed = 0;
  private scratch = Buffer.allocUnsafe(1 << 16);

  constructor(
    private readonly fd: number,
    private readonly counter = new TermCounter(),
  ) {
    this.lowerStarts.push(0);
    this.caseStarts.push(0);
    this.chars.push(0);
  }

  add(row: TextRow): void {
    this.addText(row.text);
    this.addTerms(row);
  }

  /** The next document's postings. */
  private addTerms(row: TextRow): void {
    const doc = this.n++;
    this.addTextField(doc * 4, row.text);
    this.addField(doc * 4 + 1, 1, this.cachedTerms(row.from));
    this.addField(doc * 4 + 2, 2, this.cachedTerms(row.room));
  }

  /** The lower-cased text goes to the file; the text itself is kept as the bytes that differ from it. */
  private addText(text: string): void {
    const lower = text.toLowerCase();
    const room = lower.length * 3 + 1;
    if (this.staged + room > STAGE_BYTES) this.flush();
    let lowerBytes: Buffer;
    if (room > STAGE_BYTES) {
      lowerBytes = Buffer.from(lower, 'utf8');
      writeAll(this.fd, lowerBytes, PREFIX_BYTES + this.flushed);
      writeAll(this.fd, ZERO, PREFIX_BYTES + this.flushed + lowerBytes.length);
      this.flushed += lowerBytes.length + 1;
    } else {
      const length = this.stage.write(lower, this.staged, 'utf8');
      lowerBytes = this.stage.subarray(this.staged, this.staged + length);
      this.stage[this.staged + length] = 0;
      this.staged += length + 1;
    }
    this.record(text, lower, lowerBytes);
  }

  /** The columns' entries of a text whose lower-cased bytes (without their NUL) are `lowerBytes`. */
  private record(text: string, lower: string, lowerBytes: Uint8Array): void {
    const start = this.lowerStarts.last();
    if (start + lowerBytes.length + 1 > 0xffffffff) throw new Error('texts past 4 GiB');
    this.lowerStarts.push(start + lowerBytes.length + 1);
    this.chars.push(this.chars.last() + lower.length + 1);
    if (this.scratch.length < text.length * 3) this.scratch = Buffer.allocUnsafe(text.length * 3);
    writeCase(this.caseBytes, text, lower, lowerBytes, this.scratch);
    this.caseStarts.push(this.caseBytes.length);
  }

  private flush(): void {
    if (this.staged === 0) return;
    writeAll(this.fd, this.stage.subarray(0, this.staged), PREFIX_BYTES + this.flushed);
    this.flushed += this.staged;
    this.staged = 0;
  }

  /** The text field: counted afresh each time. */
  private addTextField(key: number, text: string): void {
    const counter = this.counter;
    const length = counter.count(text);
    this.sums[0] += length;
    for (const term of counter.found) this.posting(term).add(key, 0, counter.tf[term], length);
  }

  /** Sender and room repeat: each value is counted once. */
  private cachedTerms(value: string): FieldTerms {
    let terms = this.fieldCache.get(value);
    if (!terms) {
      const counter = this.counter;
      const length = counter.count(value);
      const found = Int32Array.from(counter.found);
      terms = { length, terms: found, tf: found.map((t) => counter.tf[t]) };
      if (this.fieldCache.size < FIELD_CACHE) this.fieldCache.set(value, terms);
    }
    return terms;
  }

  private addField(key: number, field: number, { length, terms, tf }: FieldTerms): void {
    this.sums[field] += length;
    for (let k = 0; k < terms.length; k++) this.posting(terms[k]).add(key, field, tf[k], length);
  }

  private posting(term: number): TermPostings {
    return (this.postings[term] ??= new TermPostings());
  }

  /**
   * Inserts `inserts` (ascending positions among all messages once inserted),
   * then writes the other text sections after the texts.
   */
  finish(inserts: TextInsert[]): TextSections {
    this.flush();
    if (inserts.length > 0) this.insert(inserts);
    const sections: Record<string, [number, number]> = { lowerText: [PREFIX_BYTES, this.flushed] };
    let at = PREFIX_BYTES + this.flushed;
    const put = (name: string, bytes: Uint8Array) => {
      at = align(at);
      writeAll(this.fd, bytes, at);
      sections[name] = [at, bytes.length];
      at += bytes.length;
    };
    put('lowerTextStarts', bytesOf(this.lowerStarts.view()));
    put('textCase', this.caseBytes.view());
    put('textCaseStarts', bytesOf(this.caseStarts.view()));
    put('textChars', bytesOf(this.chars.view()));

    // Postings, in sorted term order (every term the counter met has postings: it met it in a field).
    const names = this.counter.terms;
    const vocab = names.map((_, id) => id).sort((a, b) => (names[a] < names[b] ? -1 : 1));
    const postStart = new Uint32Array(vocab.length + 1);
    const postDf = new Uint32Array(vocab.length * 3);
    vocab.forEach((term, k) => {
      const p = this.postings[term];
      postStart[k + 1] = postStart[k] + p.length;
      postDf.set(p.df, k * 3);
    });
    put('vocab', Buffer.from(vocab.map((id) => names[id]).join('\n'), 'utf8'));
    put('postDf', bytesOf(postDf));
    put('postStart', bytesOf(postStart));
    at = align(at);
    sections.post = [at, postStart[vocab.length]];
    for (const term of vocab) {
      const p = this.postings[term];
      if (this.staged + p.length > STAGE_BYTES) {
        writeAll(this.fd, this.stage.subarray(0, this.staged), at);
        at += this.staged;
        this.staged = 0;
      }
      if (p.length > STAGE_BYTES) {
        writeAll(this.fd, p.view(), at);
        at += p.length;
      } else {
        this.stage.set(p.view(), this.staged);
        this.staged += p.length;
      }
    }
    writeAll(this.fd, this.stage.subarray(0, this.staged), at);
    at += this.staged;
    this.staged = 0;
    return { sections, end: at, sums: this.sums.slice() };
  }

  /**
   * Puts the inserted messages in their places: their texts into the file
   * (the texts after each place move up), their entries into the columns,
   * and every posting's document renumbered, the inserted ones merged in.
   */
  private insert(inserts: TextInsert[]): void {
    const n = this.n;
    const total = n + inserts.length;
    // The inserted messages, encoded on their own (as documents 0, 1, ... of a scratch index).
    const extra = new TextColumns(-1, this.counter);
    const lower: Buffer[] = [];
    for (const row of inserts) {
      const lowerText = row.text.toLowerCase();
      const bytes = Buffer.from(`${lowerText}\u0000`, 'utf8');
      lower.push(bytes);
      extra.record(row.text, lowerText, bytes.subarray(0, bytes.length - 1));
      extra.addTerms(row);
    }
    // Log document d lands at d + (inserts before it): insert j goes before document inserts[j].at - j.
    const before = inserts.map((ins, j) => ins.at - j);
    for (let j = 0; j < inserts.length; j++)
      if (before[j] < 0 || before[j] > n || (j > 0 && before[j] < before[j - 1]))
        throw new Error('bad insert positions');

    // Texts: move each run of the file's texts up past the inserts before it, last run first.
    const oldStarts = this.lowerStarts.view();
    let runEnd = this.flushed;
    let shift = lower.reduce((s, b) => s + b.length, 0);
    for (let j = inserts.length - 1; j >= 0; j--) {
      const runStart = oldStarts[before[j]];
      moveUp(this.fd, PREFIX_BYTES + runStart, PREFIX_BYTES + runEnd, shift);
      shift -= lower[j].length;
      writeAll(this.fd, lower[j], PREFIX_BYTES + runStart + shift);
      runEnd = runStart;
    }
    this.flushed += lower.reduce((s, b) => s + b.length, 0);

    // Columns, in the new order.
    const lowerStarts = new U32List();
    const caseStarts = new U32List();
    const chars = new U32List();
    const caseBytes = new ByteList();
    lowerStarts.push(0);
    caseStarts.push(0);
    chars.push(0);
    const oldCase = this.caseStarts.view();
    const oldChars = this.chars.view();
    const extraCase = extra.caseStarts.view();
    const extraChars = extra.chars.view();
    const caseData = this.caseBytes.view();
    const extraData = extra.caseBytes.view();
    for (let pos = 0, d = 0, j = 0; pos < total; pos++) {
      if (j < inserts.length && inserts[j].at === pos) {
        lowerStarts.push(lowerStarts.last() + lower[j].length);
        chars.push(chars.last() + extraChars[j + 1] - extraChars[j]);
        caseBytes.bytes(extraData.subarray(extraCase[j], extraCase[j + 1]));
        j++;
      } else {
        lowerStarts.push(lowerStarts.last() + oldStarts[d + 1] - oldStarts[d]);
        chars.push(chars.last() + oldChars[d + 1] - oldChars[d]);
        caseBytes.bytes(caseData.subarray(oldCase[d], oldCase[d + 1]));
        d++;
      }
      caseStarts.push(caseBytes.length);
    }
    this.lowerStarts.replace(lowerStarts);
    this.caseStarts.replace(caseStarts);
    this.chars.replace(chars);
    this.caseBytes = caseBytes;

    // Postings: renumber, merge.
    const position = (d: number, b: { j: number }) => {
      while (b.j < before.length && before[b.j] <= d) b.j++;
      return d + b.j;
    };
    const terms = Math.max(this.postings.length, extra.postings.length);
    const merged: TermPostings[] = [];
    for (let t = 0; t < terms; t++) {
      const old = this.postings[t];
      const added = extra.postings[t];
      if (!old && !added) continue;
      const out = new TermPostings();
      const a = old ? new PostingReader(old.view()) : null;
      const b = added ? new PostingReader(added.view()) : null;
      const seen = { j: 0 };
      let aKey = a && a.next() ? position(a.key >>> 2, seen) * 4 + (a.key & 3) : -1;
      let bKey = b && b.next() ? inserts[b.key >>> 2].at * 4 + (b.key & 3) : -1;
      while (aKey >= 0 || bKey >= 0) {
        if (bKey < 0 || (aKey >= 0 && aKey < bKey)) {
          out.add(aKey, aKey & 3, a!.tf, a!.length);
          aKey = a!.next() ? position(a!.key >>> 2, seen) * 4 + (a!.key & 3) : -1;
        } else {
          out.add(bKey, bKey & 3, b!.tf, b!.length);
          bKey = b!.next() ? inserts[b!.key >>> 2].at * 4 + (b!.key & 3) : -1;
        }
      }
      merged[t] = out;
      // Each old list can go as soon as it is merged.
      delete this.postings[t];
    }
    this.postings = merged;
    for (let f = 0; f < 3; f++) this.sums[f] += extra.sums[f];
    this.n = total;
  }
}

/**
 * A text's case entry (see indexFormat.ts): nothing when lower-casing left it
 * alone, else the bytes that differ, else (the length changed) the text.
 * `scratch` holds at least text.length * 3 bytes.
 */
function writeCase(out: ByteList, text: string, lower: string, lowerBytes: Uint8Array, scratch: Buffer): void {
  if (lower === text) {
    out.varint(0);
    return;
  }
  if (lowerBytes.length === lower.length && text.length === lower.length && asciiCase(text, lower, out)) return;
  const textBytes = scratch.subarray(0, scratch.write(text, 0, 'utf8'));
  if (textBytes.length !== lowerBytes.length || text.length !== lower.length) {
    out.varint(1);
    out.bytes(textBytes);
    return;
  }
  let k = 0;
  for (let p = 0; p < textBytes.length; p++) if (textBytes[p] !== lowerBytes[p]) k++;
  out.varint(2 * k);
  let last = 0;
  for (let p = 0; p < textBytes.length; p++) {
    if (textBytes[p] === lowerBytes[p]) continue;
    out.varint(p - last);
    out.byte(textBytes[p]);
    last = p;
  }
}

/**
 * The case entry of an ASCII text whose lower-cased form is `lower` (same
 * length, all ASCII): false, writing nothing, when a differing character is
 * not ASCII (then the bytes are compared instead).
 */
function asciiCase(text: string, lower: string, out: ByteList): boolean {
  let k = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === lower.charCodeAt(p)) continue;
    if (c >= 128) return false;
    k++;
  }
  out.varint(2 * k);
  let last = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === lower.charCodeAt(p)) continue;
    out.varint(p - last);
    out.byte(c);
    last = p;
  }
  return true;
}

/** Growable bytes with varints (the postings, the text case column). */
class ByteList {
  private data = new Uint8Array(16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.data.length) return;
    const grown = new Uint8Array(Math.max(this.data.length * 2, this.length + n));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  /** An unsigned value below 2^32, 7 bits a byte, low first. */
  varint(v: number): void {
    this.room(5);
    while (v >= 0x80) {
      this.data[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.data[this.length++] = v;
  }

  byte(b: number): void {
    this.room(1);
    this.data[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.data.set(b, this.length);
    this.length += b.length;
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/** One term's postings as they are added (see PostingReader for the encoding). */
class TermPostings extends ByteList {
  readonly df = new Uint32Array(3);
  private last = 0;

  add(key: number, field: number, tf: number, length: number): void {
    this.varint(key - this.last);
    this.last = key;
    const len = Math.min(length, 0xffff);
    if (tf === 1) this.varint(len * 2);
    else {
      this.varint(len * 2 + 1);
      this.varint(Math.min(tf, 0xffff));
    }
    this.df[field]++;
  }
}

class U32List {
  private data = new Uint32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }

  last(): number {
    return this.data[this.length - 1];
  }

  replace(other: U32List): void {
    this.data = other.data;
    this.length = other.length;
  }

  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

const ZERO = Buffer.alloc(1);
const MOVE_CHUNK = 1 << 22;

export const align = (n: number) => Math.ceil(n / 8) * 8;

export function bytesOf(a: Int32Array | Uint32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Moves the file's bytes [from, to) up by `shift`, last chunk first (so none is overwritten before it moved). */
function moveUp(fd: number, from: number, to: number, shift: number): void {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(MOVE_CHUNK, to - from)));
  for (let end = to; end > from;) {
    const start = Math.max(from, end - buf.length);
    const chunk = buf.subarray(0, end - start);
    for (let done = 0; done < chunk.length;) {
      const n = fs.readSync(fd, chunk, done, chunk.length - done, start + done);
      if (n <= 0) throw new Error('short read');
      done += n;
    }
    writeAll(fd, chunk, start + shift);
    end = start;
  }
}
