/** `coord init`: a new coordination directory, or the missing parts of one. */
import * as fs from 'fs';
import { appendWhole, ensureDir, touch } from '../disk/fsutil';
import { assertNoLinkedSubdirs, looksLikeCoordinationDir } from '../disk/directory';
import { Layout } from '../disk/layout';
import { CHATROOM_STATUS_HEADER, formatChatroomStatusLine } from '../formats/chatroomStatus';
import { formatCreatedHeader } from '../formats/transcript';

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
      name: 'general',
      status: 'open' as const,
      creator: 'system',
      created: time,
      modified: time,
      reason: '',
    };
    appendWhole(layout.chatroomStatus, `${CHATROOM_STATUS_HEADER}${formatChatroomStatusLine(general)}\n`);
  }
  if (!fs.existsSync(layout.chatroom('general'))) {
    appendWhole(layout.chatroom('general'), formatCreatedHeader(time, 'system'));
  }
  return { created: !existed };
}
