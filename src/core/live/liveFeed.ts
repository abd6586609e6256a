/**
 * What changed since the last look, as events: new messages (in number order,
 * then legacy transcript-only ones), rooms created, closed or reopened, and
 * status changes. The cursor is the last message number handed out, so a
 * stream can resume with `since`. When data/messages.log is replaced, the
 * feed finds its place again by the last message it handed out (same time,
 * sender and text); if that message is gone it says so and goes on with the
 * messages newer than it.
 */
import type { Coordination } from '../coordination';
import type { Chatroom, InstanceStatus, Message } from '../common/messageTypes';

export type LiveEvent =
  | { type: 'message'; message: Message }
  | { type: 'room'; change: 'created' | 'closed' | 'reopened' | 'changed'; room: Chatroom }
  | { type: 'status'; instance: string; status: InstanceStatus }
  | { type: 'log-replaced'; lines: number };

interface Mark {
  number: number;
  time: string;
  from: string;
  text: string;
}

export class LiveFeed {
  private cursor: Mark | null = null;
  private legacySeen = new Set<string>();
  private rooms = new Map<string, Chatroom>();
  private statuses = new Map<string, InstanceStatus>();

  /**
   * Starts at the end of what exists now, or after message `since` (whose
   * later messages the first `changes()` then returns).
   */
  constructor(
    private readonly coordination: Coordination,
    since?: number,
  ) {
    coordination.refresh();
    const after = since ?? coordination.lineCount;
    for (const m of coordination.messagesAfter(0)) {
      if (m.number === null) this.legacySeen.add(legacyKey(m));
      else if (m.number <= after) this.cursor = markOf(m);
    }
    if (this.cursor === null && after > 0) this.cursor = { number: after, time: '', from: '', text: '' };
    for (const r of coordination.listChatrooms()) this.rooms.set(r.name.toLowerCase(), r);
    for (const [id, s] of Object.entries(coordination.statuses())) this.statuses.set(id, s);
  }

  /** The number of the last message handed out (0 before any): what `since` resumes from. */
  get position(): number {
    return this.cursor?.number ?? 0;
  }

  /** Everything new since the last call; call it after the follower saw a change. */
  changes(): LiveEvent[] {
    const c = this.coordination;
    const events: LiveEvent[] = [];
    events.push(...this.roomChanges(c.listChatrooms()));
    let after = this.position;
    let newerThan: string | null = null;
    if (this.cursor && this.cursor.time !== '') {
      const still = c.lineCount >= this.cursor.number ? c.messagesAfter(this.cursor.number - 1)[0] : undefined;
      if (!still || still.number !== this.cursor.number || !sameMark(still, this.cursor)) {
        const found = c.messages().find((m) => m.number !== null && sameMark(m, this.cursor!));
        if (found && found.number !== null) after = found.number;
        else {
          events.push({ type: 'log-replaced', lines: c.lineCount });
          after = 0;
          newerThan = this.cursor.time;
        }
      }
    } else if (this.cursor && c.lineCount < this.cursor.number) {
      events.push({ type: 'log-replaced', lines: c.lineCount });
      after = 0;
    }
    for (const m of c.messagesAfter(after)) {
      if (m.number === null) {
        const key = legacyKey(m);
        if (this.legacySeen.has(key)) continue;
        this.legacySeen.add(key);
        events.push({ type: 'message', message: m });
        continue;
      }
      if (newerThan !== null && m.time <= newerThan) {
        this.cursor = markOf(m);
        continue;
      }
      this.cursor = markOf(m);
      events.push({ type: 'message', message: m });
    }
    if (after === 0 && c.lineCount === 0) this.cursor = null;
    for (const [id, s] of Object.entries(c.statuses())) {
      const before = this.statuses.get(id);
      if (before && before.text === s.text && before.updated === s.updated) continue;
      this.statuses.set(id, s);
      events.push({ type: 'status', instance: id, status: s });
    }
    return events;
  }

  private roomChanges(list: Chatroom[]): LiveEvent[] {
    const out: LiveEvent[] = [];
    for (const room of list) {
      const key = room.name.toLowerCase();
      const before = this.rooms.get(key);
      this.rooms.set(key, room);
      if (!before) out.push({ type: 'room', change: 'created', room });
      else if (before.status !== room.status)
        out.push({ type: 'room', change: room.status === 'closed' ? 'closed' : 'reopened', room });
      else if (before.description !== room.description || before.modified !== room.modified)
        out.push({ type: 'room', change: 'changed', room });
    }
    return out;
  }
}

function markOf(m: Message): Mark {
  return { number: m.number ?? 0, time: m.time, from: m.from, text: m.text };
}

function sameMark(m: Message, mark: Mark): boolean {
  return m.time === mark.time && m.from === mark.from && m.text === mark.text;
}

function legacyKey(m: Message): string {
  return `${m.id}|${m.time}|${m.from}`;
}
