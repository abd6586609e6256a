/**
 * Temporary files a killed writer left behind: ours (`name.tmp-<pid>-<n>`,
 * the search index's `.coord-search-index.<pid>.<ms>.tmp`) once their process
 * is gone, and older versions' (`name.<digits>`, write-file-atomic's) of our
 * own files once they are a minute old. Removed by the next writer.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from '../disk/layout';

const OURS = /^.+\.tmp-(\d+)-\d+$/;
const INDEX = /^\.coord-search-index\.(\d+)\.\d+\.tmp$/;
const OLDER = /^(.+\.(?:txt|json))\.\d{6,}$/;
const OLDER_AFTER_MS = 60_000;

export function removeLeftoverTempFiles(layout: Layout): void {
  for (const dir of [layout.dataDir, layout.readStatusDir, layout.inboxesDir]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      const ours = OURS.exec(name) ?? INDEX.exec(name);
      if (ours) {
        if (!processRuns(Number(ours[1]))) fs.rmSync(file, { force: true });
        continue;
      }
      const older = OLDER.exec(name);
      if (older && fs.existsSync(path.join(dir, older[1]))) {
        try {
          if (Date.now() - fs.lstatSync(file).mtimeMs > OLDER_AFTER_MS) fs.rmSync(file, { force: true });
        } catch {
          /* gone */
        }
      }
    }
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
