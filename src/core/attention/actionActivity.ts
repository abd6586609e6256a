/**
 * Each id's latest action in data/action-log.txt (latestActivity() of
 * parseActionLog()), kept between reads: the log only grows, so a read after
 * a write parses the lines appended since, not megabytes of old ones.
 */
import * as fs from 'fs';
import { detachedString } from '../common/text';
import { fileTail, openIfExists, readRange } from '../disk/fsutil';
import { latestActivity } from './stuckAgents';
import { parseActionLog } from '../formats/actionLog';

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

export class ActionLogActivity {
  /** What the lines before `size` (a line end) said, and the bytes before it (to see the file only grew). */
  private kept: { ino: number; size: number; tail: string; latest: Map<string, string> } | null = null;

  constructor(private readonly file: string) {}

  /** Id -> the time of its latest logged action. */
  latest(): Map<string, string> {
    const fd = openIfExists(this.file);
    if (fd === null) {
      this.kept = null;
      return new Map();
    }
    try {
      const st = fs.fstatSync(fd);
      const old = this.kept;
      const grown = old !== null && old.ino === st.ino && st.size >= old.size && fileTail(fd, old.size) === old.tail;
      let at = grown ? old.size : 0;
      let latest = grown ? old.latest : new Map<string, string>();
      // Whole lines a megabyte at a time (the first read of a large log holds no more); a line still being
      // written is read again next time.
      for (let chunk = CHUNK; at < st.size;) {
        const bytes = readRange(fd, at, Math.min(st.size, at + chunk));
        const end = bytes.lastIndexOf(NEWLINE) + 1;
        if (end === 0) {
          if (at + bytes.length >= st.size) break;
          chunk *= 2;
          continue;
        }
        latest = actionTimes(bytes.toString('utf8', 0, end), latest);
        at += end;
        chunk = CHUNK;
      }
      this.kept = { ino: st.ino, size: at, tail: fileTail(fd, at), latest };
      const rest = readRange(fd, at, st.size);
      return rest.length === 0 ? new Map(latest) : actionTimes(rest.toString('utf8'), latest);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** `before` with the actions of `text` (whole lines): a new map, its strings not slices of `text`. */
function actionTimes(text: string, before: Map<string, string>): Map<string, string> {
  const actions = parseActionLog(text).map((a) => ({ id: a.instance, time: a.time }));
  const latest = latestActivity([...[...before].map(([id, time]) => ({ id, time })), ...actions]);
  return new Map([...latest].map(([id, time]) => [detachedString(id), detachedString(time)]));
}
