/** How far apart two words are: search's typo tolerance and the CLI's "did you mean". */

/** Levenshtein distance when at most `max`, else -1 (banded, exits early). */
export function editDistance(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return -1;
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let best = cur[0];
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return -1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m] <= max ? prev[m] : -1;
}

/** The name closest to `word` (one containing it, or within three edits), or null; ties go to the first. */
export function closestName(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const name of names) {
    const d = name.includes(word) || word.includes(name) ? 0 : editDistance(word, name, 3);
    if (d >= 0 && d < bestScore) [best, bestScore] = [name, d];
  }
  return best;
}
