/**
 * Each id's latest action in data/action-log.txt (latestActivity() of
 * parseActionLog()), kept between reads: the log only grows, so a read after
 * a write parses the lines appended since, not megabytes of old ones.
 */
import * as fs from 'fs';
import { detachedString } from '../common/text';
import { fileTail, openIfExists, readRange } from '../disk/fsutil';
import { latestActivity } from '../attention/stuckAgents';
import { parseActionLog } from './actionLog';

const NEWLINE = 0x0a;

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
      const from = grown ? old.size : 0;
      const bytes = readRange(fd, from, st.size);
      // Whole lines are kept; a line still being written is read again next time.
      const end = bytes.lastIndexOf(NEWLINE) + 1;
      const whole = actionTimes(bytes.toString('utf8', 0, end), grown ? old.latest : new Map());
      this.kept = { ino: st.ino, size: from + end, tail: fileTail(fd, from + end), latest: whole };
      return end === bytes.length ? new Map(whole) : actionTimes(bytes.toString('utf8', end), whole);
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
