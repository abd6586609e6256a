/** Where each file kind lives inside a coordination directory. */
import * as path from 'path';
import { dmPair } from './names';

export class Layout {
  constructor(readonly root: string) {}

  get dataDir(): string { return path.join(this.root, 'data'); }
  get chatroomsDir(): string { return path.join(this.root, 'chatrooms'); }
  get inboxesDir(): string { return path.join(this.root, 'inboxes'); }
  get dmsDir(): string { return path.join(this.root, 'dms'); }
  get readStatusDir(): string { return path.join(this.root, 'read-status'); }

  get messagesLog(): string { return path.join(this.dataDir, 'messages.log'); }
  get actionLog(): string { return path.join(this.dataDir, 'action-log.txt'); }
  get chatroomStatus(): string { return path.join(this.dataDir, 'chatroom-status.txt'); }
  get readReceipts(): string { return path.join(this.dataDir, 'read-receipts.log'); }
  get statusTxt(): string { return path.join(this.dataDir, 'status.txt'); }
  /** Our write lock and the line-count checkpoint; the older tools ignore both. */
  get lockTarget(): string { return path.join(this.dataDir, '.coord'); }
  get logCheckpoint(): string { return path.join(this.dataDir, '.coord-log-index.json'); }

  instanceStatus(id: string): string { return path.join(this.dataDir, `status_${id}.txt`); }
  chatroom(room: string): string { return path.join(this.chatroomsDir, `${room}.txt`); }
  inbox(id: string): string { return path.join(this.inboxesDir, `${id}.txt`); }
  pythonDm(a: string, b: string): string {
    const [x, y] = dmPair(a, b);
    return path.join(this.dmsDir, `dm_${x}_${y}.txt`);
  }
  readMarks(id: string): string { return path.join(this.readStatusDir, `${id}.txt`); }
  positions(id: string): string { return path.join(this.readStatusDir, `${id}_positions.txt`); }

  get allDirs(): string[] {
    return [this.dataDir, this.chatroomsDir, this.inboxesDir, this.dmsDir, this.readStatusDir];
  }
}
