/** Binary search over sorted data, used wherever the core looks something up by position or order. */

/** The first index in [0, n) where `before(i)` is false, for a predicate true on a prefix and false after it. */
export function lowerBound(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Marks every entry of a joined text that a match falls in. Entry i spans
 * [starts[i], starts[i + 1]); `find(from)` returns the next match at or after
 * `from`, or -1. Each entry is marked once: the search resumes after it.
 */
export function markMatchedEntries(
  find: (from: number) => number,
  starts: ArrayLike<number>,
  n: number,
  hit: Uint8Array,
): void {
  for (let at = find(0); at !== -1;) {
    const entry = lowerBound(n, (i) => starts[i + 1] <= at);
    hit[entry] = 1;
    at = find(starts[entry + 1]);
  }
}
