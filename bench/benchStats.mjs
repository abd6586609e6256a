// The few numbers every bench file needs: nearest-rank quantiles, ns -> ms, a sleep.

/** Nearest-rank quantile (q in 0..1) of an unsorted list. */
export const quantile = (list, q) => {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

/** A process.hrtime.bigint() difference in milliseconds. */
export const ms = (ns) => Number(ns) / 1e6;

export const sleep = (t) => new Promise((r) => setTimeout(r, t));
