/**
 * Change events for the directory backend: fs.watch on the directory's
 * folders (our own bookkeeping files ignored), debounced, then a refresh;
 * the listener runs when the refresh found a change.
 */
import * as fs from 'fs';
import { isBookkeepingPath, type Layout } from './layout';

const DEBOUNCE_MS = 40;

export function watchDirectory(layout: Layout, refresh: () => boolean, listener: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const onEvent = (_event: string, name: string | Buffer | null) => {
    if (name && isBookkeepingPath(String(name))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (refresh()) listener();
    }, DEBOUNCE_MS);
  };
  const watchers = layout.allDirs.flatMap((dir) => {
    try {
      return [fs.watch(dir, onEvent)];
    } catch {
      return []; // a folder the older tools never made: nothing to watch there
    }
  });
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
