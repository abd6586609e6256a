/**
 * fieldTerms (ranking.ts) for many documents at once, as numbers: each
 * distinct token and term gets an id the first time it is seen, and a field
 * is counted by looking its tokens up by their characters, so a token seen
 * before costs no new string and no Map. ASCII text (nearly all of it) is
 * split here, by a table of the characters minisearch's tokenizer splits at;
 * any other text goes through the tokenizer itself. The persisted index's
 * writer indexes a million messages this way; the answer is fieldTerms's
 * (test/unit/search-builder.test.ts compares them).
 */
import { detachedString } from '../common/text';
import { processTerm, tokenize } from './ranking';

/** ASCII characters the tokenizer splits at (newlines, spaces and punctuation, /[\n\r\p{Z}\p{P}]+/u). */
const SEPARATOR = new Uint8Array(128);
for (let c = 0; c < 128; c++) SEPARATOR[c] = tokenize(`a${String.fromCharCode(c)}a`).length > 1 ? 1 : 0;

const NOT_ASCII = /[^\u0000-\u007f]/;

export class TermCounter {
  /** Every term seen, by id. */
  readonly terms: string[] = [];
  /** Terms of the last field counted, in order of first appearance, and each one's frequency (by term id). */
  readonly found: number[] = [];
  tf: Int32Array = new Int32Array(1024);
  private termIds = new Map<string, number>();
  private termStamp: Int32Array = new Int32Array(1024);
  /** Tokens by id (open addressing on a hash of their characters), each token's term (-1: none). */
  private tokens: string[] = [];
  private tokenTerm: Int32Array = new Int32Array(1024);
  private tokenStamp: Int32Array = new Int32Array(1024);
  private slots = new Int32Array(4096).fill(-1);
  private stamp = 0;

  /** Counts one field: fills `found` and `tf`, and returns its length (distinct tokens). */
  count(value: string): number {
    this.stamp++;
    this.found.length = 0;
    this.length = 0;
    const n = value.length;
    if (NOT_ASCII.test(value)) {
      for (const token of tokenize(value))
        this.take(this.token(token, 0, token.length, hashOf(token, 0, token.length)));
      return this.length;
    }
    // The tokenizer's split: the runs between separator runs, with '' before a leading and after a trailing run.
    let start = 0;
    let i = 0;
    for (;;) {
      let h = FNV_OFFSET;
      for (let c: number; i < n && SEPARATOR[(c = value.charCodeAt(i))] === 0; i++) h = Math.imul(h ^ c, FNV_PRIME);
      this.take(this.token(value, start, i, h));
      if (i >= n) break;
      while (i < n && SEPARATOR[value.charCodeAt(i)] === 1) i++;
      start = i;
      if (i >= n) {
        this.take(this.token(value, n, n, FNV_OFFSET));
        break;
      }
    }
    return this.length;
  }

  private length = 0;

  private take(token: number): void {
    const stamp = this.stamp;
    if (this.tokenStamp[token] !== stamp) {
      this.tokenStamp[token] = stamp;
      this.length++;
    }
    const term = this.tokenTerm[token];
    if (term < 0) return;
    if (this.termStamp[term] !== stamp) {
      this.termStamp[term] = stamp;
      this.tf[term] = 1;
      this.found.push(term);
    } else this.tf[term]++;
  }

  /** The id of the token value[start, end) (its hash `h`), added when new. */
  private token(value: string, start: number, end: number, h: number): number {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot];
      if (id < 0) return this.addToken(slot, value.slice(start, end));
      const t = this.tokens[id];
      if (t.length !== end - start) continue;
      let k = 0;
      while (k < t.length && t.charCodeAt(k) === value.charCodeAt(start + k)) k++;
      if (k === t.length) return id;
    }
  }

  private addToken(slot: number, raw: string): number {
    const id = this.tokens.length;
    this.tokens.push(detachedString(raw));
    this.slots[slot] = id;
    if (id === this.tokenTerm.length) {
      this.tokenTerm = grown(this.tokenTerm);
      this.tokenStamp = grown(this.tokenStamp);
    }
    const term = processTerm(raw);
    let termId = -1;
    if (term) {
      const known = this.termIds.get(term);
      if (known !== undefined) termId = known;
      else {
        termId = this.terms.length;
        this.terms.push(detachedString(term));
        this.termIds.set(this.terms[termId], termId);
        if (termId === this.tf.length) {
          this.tf = grown(this.tf);
          this.termStamp = grown(this.termStamp);
        }
      }
    }
    this.tokenTerm[id] = termId;
    if (this.tokens.length * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    this.tokens.forEach((t, id) => {
      let slot = hashOf(t, 0, t.length) & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    });
    this.slots = slots;
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashOf(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
