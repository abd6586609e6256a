// The rows bench/extension.mjs reports, named in one place: bench/run.mjs lists
// the same rows as "not measured" when the extension bench cannot run.
export const EXTENSION_ROWS = {
  activation: { name: 'extension activation on a 100k directory', unit: 'ms' },
  countsShown: { name: 'extension background load until the first counts show (from activate())', unit: 'ms' },
  statusBarP50: { name: 'write by another process -> status bar (DOM) p50', unit: 'ms' },
  statusBarP95: { name: 'write by another process -> status bar (DOM) p95', unit: 'ms' },
  bigRoom: { name: 'open a 10k-message room in the thread panel', unit: 'ms' },
  memory: { name: 'extension host memory (RSS) with 100k messages', unit: 'MB' },
  heap: { name: 'extension host heap used with 100k messages', unit: 'MB' },
  peakMemory: { name: 'extension host peak RSS with 100k messages', unit: 'MB' },
  memoryAtCounts: { name: 'extension host memory (RSS) at the first counts, 100k messages', unit: 'MB' },
};

// Measured with --extension-scale only: a large directory opened before any coord command read it.
export const FIRST_OPEN_ROWS = {
  unindexedCounts: { name: 'first open without a summary: first counts (a child process builds it)', unit: 'ms' },
  unindexedPeak: { name: 'first open without a summary: extension host peak RSS', unit: 'MB' },
};
