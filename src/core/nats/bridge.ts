/**
 * `coord bridge`: mirrors a coordination directory (where the older Python
 * and bash tools may still write) to a NATS server and back.
 *
 * - Rooms: a room missing on one side is created there; when both have it
 *   with different states, the later change wins.
 * - Messages, directory -> server: each log message not yet mirrored is
 *   published as its sender, with the bridge's id in a Coord-Origin header and
 *   a Nats-Msg-Id made from the bridge and the line number.
 * - Messages, server -> directory: each stream message not from this bridge
 *   is appended to the directory as its sender (log line, transcripts), with
 *   its id, time and text.
 * - Reply references are translated (directory line <-> stream number).
 *
 * Each message crosses once and never echoes: the cursor file
 * (data/.coord-bridge-<id>.json) records how far each direction got and the
 * number mapping; a message whose id already exists on the other side (a crash
 * between a write and the cursor save) is mapped, not copied again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Coordination, MessageWrite } from '../coordination';
import type { ChatroomStatusEntry } from '../formats/chatroomStatus';
import { formatLogLine } from '../formats/messagesLog';
import type { Chatroom } from '../common/messageTypes';
import type { StoredMessage } from '../read/store';
import { assertCoordinationDir, resolveDirectory } from '../disk/directory';
import { hashId } from '../read/messageIdentity';
import { writeAtomic } from '../disk/fsutil';
import type { ServerOptions } from './serverOptions';
import { NatsSession } from './natsSession';
import { NatsReplica } from './natsReplica';

interface Cursor {
  /** Directory log lines up to this one are mirrored (or were written by this bridge). */
  exportedLine: number;
  /** Stream messages up to this number are mirrored (or came from this bridge). */
  importedNumber: number;
  /** Directory line -> stream number, for every message that crossed either way. */
  lineToNumber: Record<string, number>;
}

export interface BridgePass {
  toServer: number;
  toDirectory: number;
  rooms: number;
}

/** The directory side: Coordination's own writes, without the checks a sender already passed. */
class DirectoryMirror extends Coordination {
  stored(): StoredMessage[] {
    return this.state.allMessages();
  }
  rooms(): Map<string, Chatroom> {
    return this.state.chatrooms();
  }
  /** A message the server already accepted: written even if the room closed since. */
  protected override requireOpenRoom(name: string): Chatroom {
    return this.state.chatrooms().get(name.toLowerCase()) ?? super.requireOpenRoom(name);
  }
  async importMessage(w: MessageWrite): Promise<number> {
    const m = await this.persistMessage(w);
    return m.number ?? 0;
  }
  async importRoom(room: Chatroom): Promise<void> {
    const entry: ChatroomStatusEntry = {
      name: room.name,
      status: 'open',
      creator: room.creator || 'bridge',
      created: room.created,
      modified: room.created,
      reason: '',
    };
    await this.persistNewRoom(entry, room.description, {
      action: 'CHATROOM_CREATED',
      details: `Created chatroom '${room.name}' with description: ${room.description} (from the NATS server)`,
    });
    if (room.status === 'closed') await this.importRoomStatus(room);
  }
  async importRoomStatus(room: Chatroom): Promise<void> {
    await this.persistRoomStatus('bridge', room.name, room.status, room.reason, room.modified);
  }
}

export class Bridge {
  readonly id: string;
  private readonly cursorFile: string;
  private cursor: Cursor;
  private readonly dirSide: DirectoryMirror;
  private running: Promise<BridgePass> | null = null;
  private again = false;

  private constructor(
    readonly dir: string,
    private readonly session: NatsSession,
    private readonly replica: NatsReplica,
  ) {
    this.id = hashId(`${os.hostname()}\n${dir}`);
    this.dirSide = new DirectoryMirror(dir, 'bridge', () => new Date());
    this.cursorFile = this.dirSide.layout.bridgeCursor(this.id);
    this.cursor = readCursor(this.cursorFile);
  }

  static async open(options: { dir?: string; server: ServerOptions; cwd?: string }): Promise<Bridge> {
    const dir = assertCoordinationDir(resolveDirectory({ dir: options.dir, env: process.env, cwd: options.cwd }));
    const session = await NatsSession.open(options.server);
    const replica = new NatsReplica(session);
    try {
      await replica.start();
    } catch (error) {
      await session.close();
      throw error;
    }
    return new Bridge(path.resolve(dir), session, replica);
  }

  /** One pass both ways; concurrent calls run one more pass after the current one. */
  pass(): Promise<BridgePass> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const total: BridgePass = { toServer: 0, toDirectory: 0, rooms: 0 };
      do {
        this.again = false;
        const p = await this.passOnce();
        total.toServer += p.toServer;
        total.toDirectory += p.toDirectory;
        total.rooms += p.rooms;
      } while (this.again);
      return total;
    })().finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Runs until `signal` aborts: a pass whenever the stream or the KV buckets
   * change (pushed) or the directory does (fs.watch on it), and one every
   * `safetyMs` in case a file event was missed.
   */
  async run(signal: AbortSignal, onPass: (p: BridgePass) => void, safetyMs = 2000): Promise<void> {
    const trigger = () => {
      this.pass().then(onPass, (error) => onPass({ toServer: 0, toDirectory: 0, rooms: 0, error } as BridgePass));
    };
    const stopReplica = this.replica.onChange(trigger);
    const watchers = [this.dirSide.layout.dataDir, this.dirSide.layout.chatroomsDir].flatMap((d) => {
      try {
        return [fs.watch(d, trigger)];
      } catch {
        return [];
      }
    });
    const timer = setInterval(trigger, safetyMs);
    trigger();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(timer);
    for (const w of watchers) w.close();
    stopReplica();
    if (this.running) await this.running.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.replica.stop();
    await this.session.close();
  }

  private async passOnce(): Promise<BridgePass> {
    this.dirSide.refresh();
    const rooms = await this.syncRooms();
    const toServer = await this.exportMessages();
    this.dirSide.refresh();
    const toDirectory = await this.importMessages();
    return { toServer, toDirectory, rooms };
  }

  private async syncRooms(): Promise<number> {
    let changed = 0;
    const here = this.dirSide.rooms();
    const there = this.replica.chatrooms();
    for (const [key, room] of here) {
      const remote = there.get(key);
      if (!remote || (remote.status !== room.status && room.modified > remote.modified)) {
        await this.session.updateKey<Chatroom>('rooms', key, (current) =>
          current === null || (current.status !== room.status && room.modified > current.modified) ? room : undefined,
        );
        changed++;
      }
    }
    for (const [key, room] of there) {
      const local = here.get(key);
      if (!local) await this.dirSide.importRoom(room);
      else if (local.status !== room.status && room.modified > local.modified)
        await this.dirSide.importRoomStatus(room);
      else continue;
      changed++;
    }
    return changed;
  }

  private async exportMessages(): Promise<number> {
    let count = 0;
    for (const m of this.dirSide.stored()) {
      if (m.number === null || m.number <= this.cursor.exportedLine || m.time === '') continue;
      const already = this.replica.messageById(m.id);
      let number: number;
      if (already && already.from === m.from && already.text === m.text && already.number !== null) {
        number = already.number; // it came from the server (or crossed before a crash)
      } else {
        const line = formatLogLine({
          time: m.time,
          from: m.from,
          target: m.target,
          dm: m.dm,
          text: m.text,
          replyTo: this.translate(m.replyTo, this.cursor.lineToNumber),
        });
        number = await this.session.publishMessage(m.from, line, m.id, {
          origin: this.id,
          msgID: `bridge-${this.id}-L${m.number}`,
        });
        count++;
      }
      this.cursor.lineToNumber[String(m.number)] = number;
      this.cursor.exportedLine = m.lastLine ?? m.number;
      this.saveCursor();
    }
    return count;
  }

  private async importMessages(): Promise<number> {
    let count = 0;
    const numberToLine = new Map<number, number>(
      Object.entries(this.cursor.lineToNumber).map(([line, n]) => [n, Number(line)]),
    );
    const localById = new Map(this.dirSide.stored().map((m) => [m.id, m]));
    for (const m of this.replica.allMessages()) {
      const number = m.number!;
      if (number <= this.cursor.importedNumber) continue;
      if (this.replica.originOf(number) !== this.id && !numberToLine.has(number) && m.time !== '') {
        const local = localById.get(m.id);
        let line: number;
        if (local && local.number !== null && local.from === m.from && local.text === m.text) {
          line = local.number;
        } else {
          const replyTo = this.translate(m.replyTo, Object.fromEntries(numberToLine));
          const w: MessageWrite = {
            from: m.from,
            target: m.target,
            dm: m.dm,
            text: m.text,
            replyTo,
            time: m.time,
            id: m.id,
            line: formatLogLine({ time: m.time, from: m.from, target: m.target, dm: m.dm, text: m.text, replyTo }),
            action: m.dm ? 'SEND_DM' : replyTo !== null ? 'REPLY_MESSAGE' : 'SEND_MESSAGE',
            details: `To: ${m.target} | ID: ${m.id} (from the NATS server, #${number})`,
          };
          line = await this.dirSide.importMessage(w);
          count++;
        }
        // The line this bridge wrote is not exported back: the export finds its id on the server.
        this.cursor.lineToNumber[String(line)] = number;
        numberToLine.set(number, line);
      }
      this.cursor.importedNumber = number;
      this.saveCursor();
    }
    return count;
  }

  /** A reply's parent number on the other side; a legacy id (or an unknown number) stays as it is. */
  private translate(replyTo: number | string | null, map: Record<string, number>): number | string | null {
    if (typeof replyTo !== 'number') return replyTo;
    return map[String(replyTo)] ?? replyTo;
  }

  private saveCursor(): void {
    writeAtomic(this.cursorFile, JSON.stringify(this.cursor));
  }
}

function readCursor(file: string): Cursor {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Cursor;
    if (typeof c.exportedLine === 'number' && typeof c.importedNumber === 'number' && c.lineToNumber) return c;
  } catch {
    /* none yet */
  }
  return { exportedLine: 0, importedNumber: 0, lineToNumber: {} };
}
