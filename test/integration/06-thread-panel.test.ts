import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HostToWebview, ViewMessage } from '../../src/shared/protocol';
import type { ThreadPanel } from '../../src/extension/panels/threadPanel';
import { ME, coordDir, fresh, getApi, readFile, waitFor, writeAsOtherProcess } from './helpers';

const ROOM = 'paging';
const COUNT = 450;

type MessagesPost = Extract<HostToWebview, { type: 'messages' }>;

function lastMessages(panel: ThreadPanel): MessagesPost | undefined {
  for (let i = panel.posted.length - 1; i >= 0; i--) {
    const p = panel.posted[i];
    if (p.type === 'messages') return p;
  }
  return undefined;
}

function find(panel: ThreadPanel, text: string): ViewMessage | undefined {
  return lastMessages(panel)?.messages.find((m) => m.text === text);
}

describe('thread panel (webview)', () => {
  let panel: ThreadPanel;

  before(async () => {
    const api = await getApi();
    await fresh('instance-2').createChatroom(ROOM, 'paging through a long room');
    // 450 messages the way the older tools write them: one log line each.
    let lines = '';
    for (let i = 1; i <= COUNT; i++)
      lines += `[2025-06-16 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}] instance-2 -> #${ROOM}: paging message ${i}\n`;
    fs.appendFileSync(path.join(coordDir(), 'data', 'messages.log'), lines);
    await waitFor('the new room in the tree', () =>
      api.tree
        .getChildren(api.tree.getChildren()[0])
        .some((n) => n.kind === 'room' && n.room.name === ROOM && n.unread === COUNT),
    );
    await vscode.commands.executeCommand('coordination.openChatroom', { target: `#${ROOM}` });
    panel = api.panels.get(`#${ROOM}`)!;
    assert.ok(panel);
  });

  it('uses a strict CSP with a nonce and no inline code', () => {
    const html = panel.panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([0-9a-f]+)'/.exec(csp)![1];
    assert.ok(nonce.length >= 32);
    assert.ok(csp.includes(`style-src ${panel.panel.webview.cspSource}`));
    assert.ok(csp.includes(`font-src ${panel.panel.webview.cspSource}`));
    assert.ok(!/unsafe-(inline|eval)/.test(csp));
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline handlers');
    assert.strictEqual(
      (html.match(/<script /g) ?? []).length,
      (html.match(new RegExp(`<script nonce="${nonce}"`, 'g')) ?? []).length,
    );
  });

  it('the real webview starts, receives the newest page and renders it', async () => {
    // A webview loads once it is shown; make sure nothing else took the editor area.
    panel.reveal();
    await waitFor('the panel to be visible', () => panel.panel.visible, 5000);
    await waitFor(
      `ready from the webview (visible: ${panel.panel.visible}, active: ${panel.panel.active})`,
      () => panel.received.some((m) => m.type === 'ready'),
      20_000,
    );
    const first = lastMessages(panel)!;
    assert.strictEqual(first.total, COUNT);
    assert.strictEqual(first.messages.length, 200);
    assert.ok(first.hasEarlier);
    assert.strictEqual(first.messages[first.messages.length - 1].text, `paging message ${COUNT}`);
    await waitFor('rendered 200', () => panel.received.some((m) => m.type === 'rendered' && m.count === 200), 10_000);
  });

  it('marks messages read as the webview shows them', async () => {
    const mark = await waitFor(
      'a markRead from the webview',
      () => panel.received.find((m) => m.type === 'markRead'),
      10_000,
    );
    assert.ok(mark.type === 'markRead' && mark.refs.length > 0);
    await waitFor('fewer unread in #paging', () => fresh().checkUnread({ room: ROOM }).length < COUNT);
    assert.ok(fresh().checkUnread({ room: ROOM }).length > 0, 'only what was visible');
  });

  it('the host answers "loadEarlier" with the earlier pages (the button is clicked in e2e 03-thread-panel)', async () => {
    await panel.handle({ type: 'loadEarlier' });
    assert.strictEqual(lastMessages(panel)!.messages.length, 400);
    assert.ok(lastMessages(panel)!.hasEarlier);
    const third = lastMessages(panel)!;
    await panel.handle({ type: 'loadEarlier' });
    const all = lastMessages(panel)!;
    assert.notStrictEqual(all, third);
    assert.strictEqual(all.messages.length, COUNT);
    assert.strictEqual(all.hasEarlier, false);
    assert.strictEqual(all.messages[0].text, 'paging message 1');
    await waitFor(
      `rendered ${COUNT}`,
      () => panel.received.some((m) => m.type === 'rendered' && m.count === COUNT),
      10_000,
    );
  });

  it('sends from the composer and the new message comes back', async () => {
    await panel.handle({ type: 'send', text: 'sent from the panel', replyTo: null });
    const result = panel.posted.filter((p) => p.type === 'sendResult').pop();
    assert.ok(result && result.type === 'sendResult' && result.ok, JSON.stringify(result));
    assert.match(readFile('data/messages.log'), /instance-1 -> #paging: sent from the panel\n/);
    const m = await waitFor('the sent message in a messages post', () => find(panel, 'sent from the panel'));
    assert.ok(m.mine);
  });

  it('replies from the panel nest under their parent', async () => {
    const parent = find(panel, 'paging message 7')!;
    await panel.handle({ type: 'send', text: 'reply from the panel', replyTo: parent.ref });
    const reply = await waitFor('the reply', () => find(panel, 'reply from the panel'));
    assert.strictEqual(reply.parentKey, parent.key);
    assert.strictEqual(fresh().getMessage(reply.ref).replyTo, parent.number);
  });

  it('reports an error from the composer without writing', async () => {
    const before = readFile('data/messages.log');
    await panel.handle({ type: 'send', text: '   ', replyTo: null });
    const result = panel.posted.filter((p) => p.type === 'sendResult').pop();
    assert.ok(result && result.type === 'sendResult' && !result.ok && /empty/.test(result.error));
    assert.strictEqual(readFile('data/messages.log'), before);
  });

  it('marks mentions of me and alerts', async () => {
    writeAsOtherProcess('instance-3', `#${ROOM}`, 'urgent: @instance-1 the build is red');
    const m = await waitFor('the alert', () => find(panel, 'urgent: @instance-1 the build is red'), 5000);
    assert.ok(m.mentionsMe && m.alert && !m.mine);
    const plain = find(panel, 'paging message 3')!;
    assert.ok(!plain.mentionsMe && !plain.alert);
  });

  it('marks read what the webview reports', async () => {
    const m = fresh().checkUnread({ room: ROOM })[0];
    assert.ok(m);
    await panel.handle({ type: 'markRead', refs: [m.number!] });
    assert.ok(
      !fresh()
        .checkUnread({ room: ROOM })
        .some((u) => u.number === m.number),
    );
    assert.match(readFile(`read-status/${ME}.txt`), new RegExp(`^${m.number}:`, 'm'));
  });

  it('filters the whole room history', async () => {
    await panel.handle({ type: 'filter', query: 'paging message 17' });
    const r = panel.posted.filter((p) => p.type === 'filterResult').pop();
    assert.ok(r && r.type === 'filterResult');
    assert.ok(r.messages.some((m) => m.text === 'paging message 17'));
    assert.ok(r.messages.every((m) => m.target === `#${ROOM}`));
  });

  it('opens scrolled to a message found by search', async () => {
    const api = await getApi();
    panel.panel.dispose();
    const target = fresh()
      .search('paging message 5', { room: ROOM })
      .find((m) => m.text === 'paging message 5')!;
    await vscode.commands.executeCommand('coordination.openChatroom', {
      target: `#${ROOM}`,
      reveal: `n:${target.number}`,
    });
    const reopened = api.panels.get(`#${ROOM}`)!;
    assert.notStrictEqual(reopened, panel);
    assert.ok(find(reopened, 'paging message 5'), 'history loaded down to the message');
    assert.ok(reopened.posted.some((p) => p.type === 'reveal' && p.key === `n:${target.number}`));
  });

  it('shows a direct-message conversation', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('coordination.openChatroom', { target: '@instance-2' });
    const dm = api.panels.get('@instance-2')!;
    const m = find(dm, 'a direct message for you');
    assert.ok(m && m.mine);
    await dm.handle({ type: 'send', text: 'second direct message', replyTo: null });
    assert.ok(
      fresh('instance-2')
        .checkDm(ME)
        .some((x) => x.text === 'second direct message'),
    );
    for (const p of api.panels.all()) p.dispose();
  });
});
