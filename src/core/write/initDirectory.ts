/** `coord init`: a new coordination directory, or the missing parts of one. */
import * as fs from 'fs';
import { appendWhole, ensureDir, touch } from '../disk/fsutil';
import { assertNoLinkedSubdirs, looksLikeCoordinationDir } from '../disk/directory';
import { Layout } from '../disk/layout';
import { CHATROOM_STATUS_HEADER, formatChatroomStatusLine } from '../formats/chatroomStatus';
import { formatCreatedHeader } from '../formats/transcript';

/** The room every new coordination starts with (a directory by `init`, a NATS server on first use). */
export const INITIAL_ROOM = { name: 'general', creator: 'system' } as const;

/** Creates the layout (directories 700, files 600) and a #general room; keeps what exists. */
export function initDirectory(dir: string, time: string): { created: boolean } {
  const existed = looksLikeCoordinationDir(dir);
  ensureDir(dir);
  assertNoLinkedSubdirs(dir);
  const layout = new Layout(dir);
  for (const d of layout.allDirs) ensureDir(d);
  for (const f of [layout.messagesLog, layout.actionLog, layout.readReceipts]) touch(f);
  if (!fs.existsSync(layout.chatroomStatus)) {
    const general = {
      name: INITIAL_ROOM.name,
      status: 'open' as const,
      creator: INITIAL_ROOM.creator,
      created: time,
      modified: time,
      reason: '',
    };
    appendWhole(layout.chatroomStatus, `${CHATROOM_STATUS_HEADER}${formatChatroomStatusLine(general)}\n`);
  }
  if (!fs.existsSync(layout.chatroom(INITIAL_ROOM.name))) {
    appendWhole(layout.chatroom(INITIAL_ROOM.name), formatCreatedHeader(time, INITIAL_ROOM.creator));
  }
  return { created: !existed };
}
