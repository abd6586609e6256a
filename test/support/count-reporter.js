// Mocha's spec reporter, plus a JSON file of counts for scripts/test-all.mjs
// (path in COORD_COUNTS_FILE): {"passed": N, "failed": N, "skipped": N}.
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.skipped++);
    runner.once('end', () => {
      const file = process.env.COORD_COUNTS_FILE;
      if (!file) return;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(counts));
    });
  }
}
module.exports = CountReporter;
