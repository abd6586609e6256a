// Clicking tree rows while another agent writes every 100 ms: the tree
// refreshes on each write, and every click must still open its thread (a
// row's command that went stale fails with "Actual command not found").
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { assert, waitUntil } from './lib.mjs';

const ROWS = ['#general', '#frontend', '#testing', '@instance-2', '#backend', '@instance-3'];

export default [
  {
    name: 'clicking tree rows while another process sends every 100 ms opens every thread',
    timeout: 150_000,
    async run(wb) {
      await wb.openCoordinationView();
      const writer = spawn(
        process.execPath,
        [
          join(wb.root, 'test', 'e2e', 'support', 'background-writer.mjs'),
          join(wb.root, 'dist', 'cli.js'),
          wb.coordDir,
          'instance-4',
          '#general',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      writer.stdout.on('data', (d) => (output += d));
      writer.stderr.on('data', (d) => (output += d));
      const exited = new Promise((resolve) => writer.on('exit', (code, signal) => resolve({ code, signal })));
      try {
        // The writes are under way (and refreshing the tree) before the first click.
        await waitUntil('the background writer to be sending', async () =>
          (await wb.coord('instance-1', 'check-chatroom', 'general', '--limit', '1')).includes('background write'),
        );
        for (let round = 1; round <= 2; round++) {
          for (const label of ROWS) {
            await wb.runCommand('View: Close All Editors');
            await wb.quickInput().waitFor({ state: 'hidden' });
            await wb.tab(label).waitFor({ state: 'detached' });
            await wb.openFromTree(label);
            wb.log(`round ${round}: ${label} opened`);
          }
        }
      } finally {
        writer.kill('SIGTERM');
      }
      const { code, signal } = await exited;
      assert(code === 0, `the background writer failed (${code ?? signal}): ${output}`);
      const sent = Number(/sent (\d+)/.exec(output)?.[1] ?? 0);
      wb.log(`the background writer sent ${sent} messages meanwhile`);
      assert(sent >= 20, `the tree was under steady writes (${sent} messages sent)`);
    },
  },
];
