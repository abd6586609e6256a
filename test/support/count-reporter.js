// Mocha's spec reporter, plus a JSON file of counts for scripts/test-all.mjs
// (path in COORD_COUNTS_FILE): {"passed": N, "failed": N, "skipped": N,
// "skips": [{"title", "reason"}]}, the reason being what skipBecause() recorded
// (test/support/skip.ts), or null for a skip that gave none.
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

/** The reason skipBecause() put on the test or on one of its suites, else null. */
function skipReason(test) {
  for (let r = test; r; r = r.parent) if (r.skipReason) return r.skipReason;
  return null;
}

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0, skips: [] };
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', (test) => {
      counts.skipped++;
      counts.skips.push({ title: test.fullTitle(), reason: skipReason(test) });
    });
    runner.once('end', () => {
      const file = process.env.COORD_COUNTS_FILE;
      if (!file) return;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(counts));
    });
  }
}
CountReporter.skipReason = skipReason;
module.exports = CountReporter;
