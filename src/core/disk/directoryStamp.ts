/**
 * One string that changes whenever a file of the conversation changes: the
 * size, modification time and inode of every file in the directory's folders,
 * our bookkeeping (the lock, caches, the summary itself) left out. A reader
 * that follows the directory without loading it compares it to know whether
 * anything it answers from may have changed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileStamp } from './fsutil';
import { isBookkeepingPath, Layout } from './layout';

export function directoryStamp(layout: Layout): string {
  const parts: string[] = [];
  for (const dir of layout.allDirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      names = [];
    }
    parts.push(`${dir}:`);
    for (const name of names) {
      const file = path.join(dir, name);
      if (!isBookkeepingPath(file)) parts.push(`${name}=${fileStamp(file)}`);
    }
  }
  return parts.join('\n');
}
