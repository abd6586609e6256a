/**
 * Takes the directory's write lock as coord versions before the owner file did
 * (proper-lockfile on data/.coord, stale 2 s: an mtime refreshed every second),
 * says "locked" and waits to be killed while holding it.
 *   node lockHolder.js DIR
 */
import * as path from 'path';
import * as lockfile from 'proper-lockfile';

async function main(): Promise<void> {
  const dir = process.argv[2];
  await lockfile.lock(path.join(dir, 'data', '.coord'), {
    realpath: false,
    stale: 2000,
    onCompromised: () => undefined,
  });
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1000);
}

void main();
