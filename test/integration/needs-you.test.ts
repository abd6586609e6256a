import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Message, Notice, QueueEntry } from '../../src/core';
import { ME, coordAs, fresh, getApi, waitFor, workspaceDir } from './helpers';

/** The "Needs You" view's rows, as labels. */
async function queueRows(): Promise<string[]> {
  const view = (await getApi()).needsYou.view;
  return view.getChildren().map((e) => String(view.getTreeItem(e).label ?? ''));
}

async function entry(key: string): Promise<QueueEntry | undefined> {
  return (await getApi()).needsYou.model.find(key);
}

function noticeKeys(n: Notice): string[] {
  return n.kind === 'single' ? [n.entry.key] : n.entries.map((e) => e.key);
}

/**
 * Records the texts of the information messages the window shows while `body` runs (the extension and the
 * tests share one vscode API object), besides what the notifier keeps in `notices`.
 */
async function watchingToasts<T>(body: (toasts: string[]) => Promise<T>): Promise<T> {
  const window = vscode.window as { showInformationMessage: (...args: unknown[]) => unknown };
  const original = window.showInformationMessage;
  const toasts: string[] = [];
  window.showInformationMessage = (...args: unknown[]) => {
    toasts.push(String(args[0]));
    return original.apply(vscode.window, args);
  };
  try {
    return await body(toasts);
  } finally {
    window.showInformationMessage = original;
  }
}

/**
 * Proves `silenced` was never notified: a later entry that is not silenced (`control`) must be notified first,
 * since the notifier shows arrivals in order; then neither the notices nor the toasts mention `silenced`.
 */
async function assertNeverNotified(silenced: Message, control: Message, toasts: string[]): Promise<void> {
  const api = await getApi();
  const controlKey = `msg:${control.number}`;
  await waitFor(
    'the control entry to be notified',
    () => api.needsYou.notifier.notices.some((n) => noticeKeys(n).includes(controlKey)),
    60_000,
    200,
  );
  await waitFor('its toast', () => toasts.some((t) => t.includes(control.text) || /new items need you/.test(t)));
  const silencedKey = `msg:${silenced.number}`;
  assert.ok(
    !api.needsYou.notifier.notices.some((n) => noticeKeys(n).includes(silencedKey)),
    'no notice about the silenced entry',
  );
  assert.ok(!toasts.some((t) => t.includes(silenced.text)), `no toast shows it: ${JSON.stringify(toasts)}`);
  assert.ok(await entry(silencedKey), 'it stays in the queue');
  assert.ok(
    (await queueRows()).some((l) => l.includes(silenced.text)),
    'and in the Needs You view',
  );
}

describe('the "Needs you" queue follows other processes', function () {
  this.timeout(90_000);

  it('an @-message asking a question with --ack appears; an ack and a reply by the CLI remove it', async () => {
    const api = await getApi();
    const m = await coordAs<Message>('instance-3', 'send', `@${ME}`, '--ack', 'Is the schema final?');
    const key = `msg:${m.number}`;
    const shown = await waitFor('the entry', () => entry(key), 10_000);
    assert.deepStrictEqual(shown.reasons, ['ack', 'question', 'direct']);
    assert.deepStrictEqual(shown.actions, ['reply', 'ack', 'open']);
    await waitFor('the tree row', async () =>
      (await queueRows()).some((l) => l.includes('instance-3 to you: Is the schema final?')),
    );
    await waitFor('the status-bar item', () => /need/.test(api.needsYou.statusBar.item.text));

    await coordAs('instance-1', 'ack', String(m.number));
    await waitFor('acked and read: only the question is left', async () => {
      const e = await entry(key);
      return e !== undefined && e.reasons.join() === 'question';
    });
    await coordAs('instance-1', 'reply', String(m.number), 'Yes, final.');
    await waitFor('answered: gone', async () => (await entry(key)) === undefined);
    await waitFor(
      'gone from the tree',
      async () => !(await queueRows()).some((l) => l.includes('Is the schema final?')),
    );
  });

  it('an urgent alert appears and leaves when it is read in another process', async () => {
    const m = await coordAs<Message>('instance-2', 'send', '#general', '--urgent', 'Production is down');
    const e = await waitFor('the urgent entry', () => entry(`msg:${m.number}`));
    assert.strictEqual(e.kind, 'urgent');
    assert.strictEqual(e.message?.text, 'Production is down');
    await coordAs('instance-1', 'mark-read', String(m.number));
    await waitFor('read: gone', async () => (await entry(`msg:${m.number}`)) === undefined);
  });

  it('Acknowledge on a queue entry writes the ack where the sender sees it', async () => {
    const m = await coordAs<Message>('instance-3', 'send', '#general', '--ack', `@${ME} new deploy window at 14:00`);
    const key = `msg:${m.number}`;
    await waitFor('the ack entry', async () => (await entry(key))?.reasons.includes('ack'));
    await vscode.commands.executeCommand('coordination.queue.acknowledge', { key });
    const owed = fresh('instance-3')
      .acks()
      .owed.find((x) => x.status.message.number === m.number);
    assert.deepStrictEqual(
      owed?.status.acked.map((a) => a.by),
      [ME],
    );
    await waitFor('acked: gone', async () => (await entry(key)) === undefined);
  });

  it('a new entry notifies once, with its actions', async () => {
    const api = await getApi();
    const m = await coordAs<Message>('instance-2', 'send-dm', ME, '--ack', 'Please review PR 12');
    // The notifier waits for arrivals to pause, and holds anything new for a while after it showed something.
    const notice = await waitFor(
      'the notification',
      () =>
        api.needsYou.notifier.notices.find(
          (n) =>
            (n.kind === 'single' && n.entry.key === `msg:${m.number}`) ||
            (n.kind === 'summary' && n.entries.some((e) => e.key === `msg:${m.number}`)),
        ),
      60_000,
      200,
    );
    if (notice.kind === 'single') assert.deepStrictEqual(notice.entry.actions, ['reply', 'ack', 'open']);
    await new Promise((r) => setTimeout(r, 3000));
    const again = api.needsYou.notifier.notices.filter(
      (n) => n.kind === 'single' && n.entry.key === `msg:${m.number}`,
    ).length;
    assert.ok(again <= 1, 'not notified twice');
    await vscode.commands.executeCommand('coordination.queue.reply', { key: `msg:${m.number}`, text: 'Looking now' });
    await coordAs('instance-1', 'ack', String(m.number));
    await waitFor('done: gone', async () => (await entry(`msg:${m.number}`)) === undefined);
  });

  it('the thread panel: a digest of what is new, importance and ack from the composer, Acknowledge on a message', async () => {
    const api = await getApi();
    api.panels.get('#general')?.dispose();
    await coordAs('instance-1', 'mark-read', 'all');
    const u = await coordAs<Message>('instance-2', 'send', '#general', '--urgent', '--ack', 'Freeze merges');
    await coordAs<Message>('instance-3', 'send', '#general', 'Noted');
    await waitFor(
      'the extension to see them',
      () => api.service.coordination.checkUnread({ room: 'general' }).length === 2,
    );
    const panel = api.panels.open('#general');
    const digest = panel.posted.find((p) => p.type === 'digest');
    assert.deepStrictEqual(digest, {
      type: 'digest',
      summary: `2 new since you last looked: 1 from instance-2, 1 from instance-3 · urgent #${u.number} · ack asked #${u.number}`,
    });
    const shown = await waitFor('the urgent message in the panel', () => {
      for (const p of [...panel.posted].reverse())
        if (p.type === 'messages') return p.messages.find((m) => m.number === u.number);
      return undefined;
    });
    assert.deepStrictEqual(
      [shown.importance, shown.ackRequired, shown.ackOwed, shown.alert],
      ['urgent', true, true, true],
    );

    await panel.handle({ type: 'ack', ref: u.number! });
    assert.deepStrictEqual(
      fresh('instance-2')
        .acks()
        .owed.find((e) => e.status.message.number === u.number)
        ?.status.acked.map((a) => a.by),
      [ME],
    );
    await panel.handle({
      type: 'send',
      text: 'Merges frozen until 16:00',
      replyTo: null,
      importance: 'high',
      ack: true,
    });
    const mine = fresh().checkChatroom('general').pop()!;
    assert.deepStrictEqual([mine.text, mine.importance, mine.ackRequired], ['Merges frozen until 16:00', 'high', true]);
    panel.dispose();
  });

  it('coordination.humanId makes the window act as that human and registers it for @human', async () => {
    const api = await getApi();
    const config = vscode.workspace.getConfiguration('coordination');
    try {
      await config.update('humanId', 'pat', vscode.ConfigurationTarget.Workspace);
      await waitFor('identity pat', () => api.service.identity === 'pat' && api.service.loaded);
      await waitFor('pat registered', () =>
        fresh()
          .humans()
          .some((h) => h.id === 'pat'),
      );
      const m = await coordAs<Message>('instance-3', 'send', '@human', 'Can I rotate the keys?');
      assert.strictEqual(m.target, '@pat');
      await waitFor("in pat's queue", async () => (await entry(`msg:${m.number}`))?.kind === 'question');
    } finally {
      await config.update('humanId', undefined, vscode.ConfigurationTarget.Workspace);
      await waitFor(`identity ${ME} again`, () => api.service.identity === ME && api.service.loaded);
    }
  });

  it('a claim conflict made by another process is queued with the holder, opens its file, and leaves on release', async () => {
    const rel = 'conflicted/api.ts';
    fs.mkdirSync(path.join(workspaceDir(), 'conflicted'), { recursive: true });
    fs.writeFileSync(path.join(workspaceDir(), rel), 'export const api = 1;\n');
    await coordAs('instance-1', 'claim', rel, '--exclusive', '--reason', 'api rework');
    await coordAs('instance-2', 'claim', 'conflicted/**', '--force');
    const shown = await waitFor('the conflict entry', async () =>
      (await getApi()).needsYou.model.entries.find((e) => e.kind === 'claim-conflict'),
    );
    assert.strictEqual(
      shown.title,
      `Claim conflict: instance-1 holds exclusive ${rel}; instance-2 claimed shared conflicted/** over it`,
    );
    assert.deepStrictEqual([shown.file, shown.target, shown.actions], [rel, '@instance-2', ['reply', 'open-file']]);
    await waitFor('the tree row', async () =>
      (await queueRows()).some((l) => l.includes('instance-1 holds exclusive conflicted/api.ts')),
    );

    await vscode.commands.executeCommand('coordination.queue.open', { key: shown.key });
    await waitFor(
      'the file open in the editor',
      () => vscode.window.activeTextEditor?.document.uri.fsPath === path.join(workspaceDir(), rel),
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    await coordAs('instance-2', 'release', '--all');
    await waitFor('released: gone', async () => (await entry(shown.key)) === undefined);
    await waitFor('gone from the tree', async () => !(await queueRows()).some((l) => l.includes('conflicted/api.ts')));
    await coordAs('instance-1', 'release', '--all');
  });

  it('a question in a muted room stays in the queue but shows no notification', async () => {
    const config = vscode.workspace.getConfiguration('coordination');
    await coordAs('instance-2', 'create-chatroom', 'hushed', 'muted in this test');
    await config.update('notifications.mutedRooms', ['hushed'], vscode.ConfigurationTarget.Workspace);
    try {
      await watchingToasts(async (toasts) => {
        const muted = await coordAs<Message>('instance-2', 'send', '#hushed', `@${ME} can we ship on Friday?`);
        await waitFor('the muted question in the queue', async () => (await entry(`msg:${muted.number}`))?.kind);
        const control = await coordAs<Message>('instance-3', 'send-dm', ME, 'control: the build is green');
        await assertNeverNotified(muted, control, toasts);
        await coordAs('instance-1', 'reply', String(muted.number), 'Yes');
        await coordAs('instance-1', 'mark-read', 'all');
      });
    } finally {
      await config.update('notifications.mutedRooms', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('during "quiet until" a new question is queued but not notified', async () => {
    const api = await getApi();
    try {
      await watchingToasts(async (toasts) => {
        await vscode.commands.executeCommand('coordination.quietNotifications', { minutes: 30 });
        assert.ok(api.needsYou.notifier.quietUntil() > Date.now(), 'snoozed');
        const quiet = await coordAs<Message>('instance-2', 'send', '#general', `@${ME} may I rebase main?`);
        await waitFor('the snoozed question in the queue', async () => (await entry(`msg:${quiet.number}`))?.kind);
        await vscode.commands.executeCommand('coordination.quietNotifications', { minutes: 0 });
        const control = await coordAs<Message>('instance-3', 'send-dm', ME, 'control: the release branch is cut');
        await assertNeverNotified(quiet, control, toasts);
        await coordAs('instance-1', 'reply', String(quiet.number), 'Go ahead');
        await coordAs('instance-1', 'mark-read', 'all');
      });
    } finally {
      await api.needsYou.notifier.setQuietUntil(0);
    }
  });
});
