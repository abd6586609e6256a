/**
 * The @vscode/test-electron contract: VS Code requires this module in the
 * extension host and awaits run(). Runs every *.test.js beside it with mocha
 * and prints one line `COORD_RESULT {"passed":N,"failed":N,"skipped":N,"skips":[...]}`
 * (each skip with the reason skipBecause() gave, see test/support/skip.ts).
 * `.only` fails the run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as mochaModule from 'mocha';
import * as vscode from 'vscode';

// The reason a skip gave, read as the mocha stages' reporter reads it (tsc does not copy .js files to out/).
const { skipReason } = require(path.resolve(__dirname, '../../../test/support/count-reporter.js')) as {
  skipReason: (t: unknown) => string | null;
};

// mocha 12 exports the class as `Mocha` (and `default`); older ones export it as the module.
const Mocha: typeof mochaModule.default =
  (mochaModule as unknown as { Mocha?: typeof mochaModule.default }).Mocha ??
  (mochaModule as unknown as typeof mochaModule.default);

/**
 * Whether the extension was already active when the tests were started: VS Code
 * awaits `workspaceContains` activations before it runs extension tests, while
 * `onStartupFinished` comes later, once the window has settled.
 */
export const activeAtTestStart: { value: boolean | null } = { value: null };

export function run(): Promise<void> {
  activeAtTestStart.value = vscode.extensions.getExtension('agent-coordination.agent-coordination')?.isActive ?? false;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec', forbidOnly: true });
  // COORD_TEST_GREP (inherited through code-server) runs a subset while debugging.
  if (process.env.COORD_TEST_GREP) mocha.grep(process.env.COORD_TEST_GREP);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const counts = { passed: 0, failed: 0, skipped: 0, skips: [] as Array<{ title: string; reason: string | null }> };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(() => {
        console.log(`COORD_RESULT ${JSON.stringify(counts)}`);
        if (counts.failed > 0)
          reject(new Error(`${counts.failed} integration test${counts.failed === 1 ? '' : 's'} failed`));
        else resolve();
      });
      runner.on('pass', () => counts.passed++);
      runner.on('fail', () => counts.failed++);
      runner.on('pending', (test) => {
        counts.skipped++;
        counts.skips.push({ title: test.fullTitle(), reason: skipReason(test) });
      });
    } catch (error) {
      counts.failed++;
      console.log(`COORD_RESULT ${JSON.stringify(counts)}`);
      reject(error);
    }
  });
}
