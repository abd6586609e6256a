/** Which instances a directory knows: those with read marks or a status, as the older tools count them. */
import { isValidInstanceId } from '../common/names';
import { Layout } from '../disk/layout';
import { listFiles, readTextIfExists } from '../disk/fsutil';
import { parseInstanceStatusFile, parseStatusTxt } from '../formats/statuses';
import { parseHumans } from '../formats/humansFile';

/** Instances that have used a coordination tool here (read marks or a status file), plus `self`; sorted. */
export function knownInstances(layout: Layout, self: string | null): string[] {
  const ids = new Set<string>();
  for (const name of listFiles(layout.readStatusDir)) {
    const m = /^(.+?)(_positions)?\.txt$/.exec(name);
    if (m && !name.startsWith('dm_') && isValidInstanceId(m[1])) ids.add(m[1]);
  }
  for (const e of parseStatusTxt(readTextIfExists(layout.statusTxt)))
    if (isValidInstanceId(e.instance)) ids.add(e.instance);
  for (const h of parseHumans(readTextIfExists(layout.humansFile))) ids.add(h.id);
  for (const name of listFiles(layout.dataDir)) {
    const m = /^status_(.+)\.txt$/.exec(name);
    if (m && isValidInstanceId(m[1]) && parseInstanceStatusFile(m[1], '[x] y') !== null) ids.add(m[1]);
  }
  if (self) ids.add(self);
  return [...ids].sort();
}
