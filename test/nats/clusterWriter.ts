/**
 * One "machine" of the cluster fault test, run as its own process in its own
 * working directory: sends through the built library (dist/core.js) to one
 * node until the deadline and prints one JSON line per attempt:
 * {k, number} when the send was acknowledged, {k, error} when it failed.
 *   node clusterWriter.js <server-url> <instance> <run-ms>
 */
import * as path from 'path';

async function main(): Promise<void> {
  const [url, instance, runMs] = process.argv.slice(2);
  const core = require(path.resolve(__dirname, '..', '..', '..', 'dist', 'core.js')) as typeof import('../../src/core');
  const c = await core.openBackend({ instance, server: { url } });
  const deadline = Date.now() + Number(runMs);
  for (let k = 1; Date.now() < deadline; k++) {
    try {
      const m = await c.send('#general', `${instance} message ${k}`);
      process.stdout.write(JSON.stringify({ k, number: m.number }) + '\n');
    } catch (error) {
      process.stdout.write(JSON.stringify({ k, error: (error as Error).message }) + '\n');
    }
  }
  await c.close();
}

main().catch((error) => {
  process.stderr.write(`writer failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
