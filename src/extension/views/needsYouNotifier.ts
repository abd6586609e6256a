/**
 * Notifications for new "Needs you" entries, each with its one-click actions
 * (Reply / Acknowledge / Open). Rate-limited by the core's
 * NotificationThrottle: a burst of agent messages gives one summary toast.
 * Muted rooms (coordination.notifications.mutedRooms) and a "quiet until"
 * snooze silence notifications; the entries stay in the queue.
 */
import * as vscode from 'vscode';
import { isSilenced, NotificationThrottle, queueLabel } from '../../core';
import type { Message, Notice, QueueEntry, QueueReason } from '../../core';
import { Disposable } from '../common/dispose';
import { inertText, refLabel, snippet } from '../common/messageFormat';
import { NeedsYouModel } from '../service/needsYouModel';

export const QUIET_UNTIL_KEY = 'coordination.quietUntil';

export class NeedsYouNotifier extends Disposable {
  /** Notifications shown, newest last (for tests and diagnostics). */
  readonly notices: Notice[] = [];
  /** The messages those notifications were about, newest last. */
  readonly shown: Message[] = [];
  private readonly throttle: NotificationThrottle;

  constructor(
    private readonly model: NeedsYouModel,
    private readonly context: vscode.ExtensionContext,
  ) {
    super();
    this.throttle = new NotificationThrottle((n) => this.show(n));
    this._register({ dispose: () => this.throttle.dispose() });
    this._register(
      model.onDidChange((change) => {
        if (change.first || !notificationsOn()) return;
        const now = Date.now();
        const muted = mutedRooms();
        const quiet = this.quietUntil();
        this.throttle.add(change.added.filter((e) => !isSilenced(e, muted, quiet, now)));
      }),
    );
  }

  quietUntil(): number {
    return this.context.workspaceState.get<number>(QUIET_UNTIL_KEY, 0);
  }

  async setQuietUntil(time: number): Promise<void> {
    await this.context.workspaceState.update(QUIET_UNTIL_KEY, time);
  }

  /** Returns whether anything was shown. */
  private show(notice: Notice): boolean {
    if (!notificationsOn()) return false;
    this.notices.push(notice);
    const messages = (notice.kind === 'single' ? [notice.entry] : notice.entries).flatMap((e) =>
      e.message && e.kind !== 'stuck' ? [e.message] : [],
    );
    this.shown.push(...messages);
    for (const list of [this.notices, this.shown] as unknown[][])
      if (list.length > 100) list.splice(0, list.length - 100);
    if (notice.kind === 'single') {
      const e = notice.entry;
      const buttons = ['Reply', ...(e.actions.includes('ack') ? ['Acknowledge'] : []), 'Open'];
      void vscode.window.showInformationMessage(noticeText(e), ...buttons).then((pick) => {
        const command =
          pick === 'Reply' ? 'reply' : pick === 'Acknowledge' ? 'acknowledge' : pick === 'Open' ? 'open' : null;
        if (command)
          void vscode.commands.executeCommand(`coordination.queue.${command}`, { key: e.key, fromTree: true });
      });
      return true;
    }
    void vscode.window
      .showInformationMessage(`Agent Coordination: ${summaryText(notice.entries)}`, 'Show', 'Quiet for 1 Hour')
      .then((pick) => {
        if (pick === 'Show') void vscode.commands.executeCommand('coordination.showNeedsYou');
        else if (pick === 'Quiet for 1 Hour') void this.setQuietUntil(Date.now() + 3600_000);
      });
    return true;
  }
}

/** One entry as a sentence: "Question: instance-3 mentioned you in #testing (#12): …" (message text made inert). */
export function noticeText(e: QueueEntry): string {
  const m = e.message;
  if (e.kind === 'stuck' || !m) return inertText(snippet(e.title, 200));
  const toMe = e.reasons.includes('question') || e.reasons.includes('direct');
  const head = !m.target.startsWith('#')
    ? `${m.from} wrote to you`
    : toMe
      ? `${m.from} mentioned you in ${m.target}`
      : `${m.from} in ${m.target}`;
  const kind = e.kind === 'direct' ? '' : `${queueLabel(e.kind)}: `;
  return inertText(`${kind}${head} (${refLabel(m)}): ${snippet(m.text, 160)}`);
}

/** "12 new items need you: 1 urgent, 3 ack requested, 8 to you". */
export function summaryText(entries: readonly QueueEntry[]): string {
  const counts = new Map<QueueReason, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${queueLabel(k).toLowerCase()}`);
  return `${entries.length} new items need you: ${parts.join(', ')}`;
}

/** coordination.notifications.mentions: whether "Needs you" entries notify at all. */
function notificationsOn(): boolean {
  return vscode.workspace.getConfiguration('coordination').get<boolean>('notifications.mentions', true);
}

export function mutedRooms(): string[] {
  const list = vscode.workspace.getConfiguration('coordination').get<unknown>('notifications.mutedRooms', []);
  return Array.isArray(list)
    ? list.filter((x): x is string => typeof x === 'string').map((r) => r.replace(/^#/, ''))
    : [];
}
