// What a person does with the extension on the seeded four-agent demo
// (scripts/demo/seed.mjs), as instance-1. The tests run in this order and
// share one VS Code window; each waits for what it needs on screen.
import { assert, assertEqual, pending, waitUntil } from './lib.mjs';

/** @type {Array<{name: string, run: (wb: import('./lib.mjs').Workbench) => Promise<void>, timeout?: number}>} */
export default [
  {
    name: 'the Coordination view lists rooms, direct messages and instances with unread counts',
    async run(wb) {
      await wb.openCoordinationView();
      await waitUntil('the tree to list the demo rooms', async () =>
        (await wb.treeRows()).includes('#testing 3 unread'),
      );
      const rows = await wb.treeRows();
      const expected = [
        'Chatrooms',
        '#backend 5 unread',
        '#frontend 2 unread',
        '#general 3 unread',
        '#testing 3 unread',
        '#spike-graphql closed — Decided: stay on REST this quarter',
        'Direct messages',
        '@instance-2 1 unread',
        '@instance-3 1 unread',
        'Instances',
      ];
      assertEqual(JSON.stringify(rows.slice(0, expected.length)), JSON.stringify(expected), 'tree rows');
      const instances = rows.slice(expected.length);
      assertEqual(instances.length, 4, 'instance rows');
      assert(
        instances[0].startsWith('instance-1 (you) Reviewing the token endpoint PR'),
        `first instance row: ${instances[0]}`,
      );
      assert(
        instances.some((r) => r.startsWith('instance-3') && r.includes('Running test_refresh_rotation 50x on CI')),
        `instance-3's status: ${instances}`,
      );
      // Status bar and activity-bar badge show the same total.
      assertEqual(await wb.statusText(), '15', 'status-bar text');
      assertEqual((await wb.statusCounts()).mentions, 0, 'mentions in the status bar');
      assertEqual((await wb.activityItem().locator('.badge-content').innerText()).trim(), '15', 'activity-bar badge');
      await wb.page.mouse.move(700, 500);
      await wb.shot('coordination-view');
    },
  },
  {
    name: 'opening a room shows its thread: sender, time, number, nested replies',
    async run(wb) {
      const panel = await wb.openFromTree('#general');
      assertEqual(await panel.title().innerText(), '#general', 'panel heading');
      await waitUntil('five messages in #general', async () => (await panel.messages().count()) === 5);
      const kickoff = await panel.read(panel.messages().first());
      assertEqual(kickoff.from, 'instance-1', 'first sender');
      assertEqual(kickoff.ref, '#1', 'first message number');
      assert(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(kickoff.time), `time shown: ${kickoff.time}`);
      assert(
        kickoff.text.startsWith('Kickoff: we are shipping OAuth login this sprint.'),
        `first text: ${kickoff.text}`,
      );
      // The four replies sit under the kickoff, behind a "4 replies" toggle.
      const replies = panel.repliesOf('Kickoff: we are shipping');
      assertEqual(await replies.locator(':scope > li > article').count(), 4, 'nested replies under the kickoff');
      const toggle = panel.locator('button.toggle', { hasText: '4 replies' });
      assertEqual(await toggle.getAttribute('aria-expanded'), 'true', 'replies expanded');
      const second = await panel.read(replies.locator(':scope > li > article').first());
      assertEqual(second.from, 'instance-2', 'first reply sender');
      assertEqual(second.ref, '#2', 'first reply number');
      assert(second.text.includes('I will post the API contract in #backend'), `reply text: ${second.text}`);
      const articles = await panel.messages().count();
      assertEqual(
        await panel.locator('ol.messages article.message button.reply').count(),
        articles,
        'a reply action on every message',
      );
      await wb.shot('thread');
      // Collapse and expand the replies.
      await toggle.click();
      await replies.waitFor({ state: 'hidden' });
      assertEqual(await panel.message('Frontend ready to start').isVisible(), false, 'a reply hidden when collapsed');
      await panel.locator('button.toggle', { hasText: '4 replies' }).click();
      await panel.message('Frontend ready to start').waitFor({ state: 'visible' });
    },
  },
  {
    name: 'reading a room clears its unread count in the tree and the status bar',
    async run(wb) {
      await wb.thread('#general');
      await waitUntil(
        '#general to have no unread count',
        async () => {
          const row = await wb.treeRowText('#general');
          return row === '#general' || pending(row);
        },
        { timeout: 8_000 },
      );
      await waitUntil('the status bar to show 12', async () => {
        const text = await wb.statusText();
        return text === '12' || pending(text);
      });
    },
  },
  {
    name: 'the composer sends on Enter and makes a new line on Shift+Enter',
    async run(wb) {
      const panel = await wb.thread('#general');
      await panel.typeAndSend('Reviewing the contract now.\nNotes will go to #backend.');
      const mine = panel.message('Reviewing the contract now.');
      await mine.waitFor();
      const seen = await panel.read(mine);
      assertEqual(seen.from, 'instance-1', 'sender of the sent message');
      assertEqual(seen.text, 'Reviewing the contract now.\nNotes will go to #backend.', 'text as shown (two lines)');
      // The sentence's period is not part of the room reference.
      assertEqual(
        JSON.stringify(await mine.locator('.text .room-ref').allInnerTexts()),
        '["#backend"]',
        'room reference in the text',
      );
      const box = await mine.locator('.text').boundingBox();
      assert(box && box.height > 30, `two visible lines (height ${box?.height})`);
      await waitUntil('the composer to empty', async () => (await panel.composer().inputValue()) === '');
      // Another process reads what was written.
      const onDisk = await wb.coordJson('instance-2', 'check-chatroom', 'general');
      const list = Array.isArray(onDisk) ? onDisk : onDisk.messages;
      const last = list[list.length - 1];
      assertEqual(last.text, 'Reviewing the contract now.\nNotes will go to #backend.', 'text in the directory');
      assertEqual(last.from, 'instance-1', 'sender in the directory');
      await wb.shot('composer-sent');
    },
  },
  {
    name: "a message's reply button answers it in a nested reply",
    async run(wb) {
      const panel = await wb.thread('#general');
      const parent = panel.message('Test plan draft coming to #testing');
      const { ref } = await panel.read(parent);
      await parent.hover();
      await parent.getByRole('button', { name: `Reply to instance-3, ${ref}` }).click();
      const banner = panel.locator('.reply-banner');
      await banner.waitFor({ state: 'visible' });
      assertEqual((await banner.innerText()).trim(), `Replying to instance-3 (${ref})`, 'reply banner');
      await wb.shot('reply-banner');
      await panel.typeAndSend('Rotation from day one, and the clock-skew case too.');
      const replies = panel.repliesOf('Test plan draft coming to #testing');
      await replies.locator('article .text', { hasText: 'and the clock-skew case too' }).waitFor();
      await banner.waitFor({ state: 'hidden' });
      const toggle = panel.repliesToggle('Test plan draft coming to #testing');
      assertEqual((await toggle.innerText()).trim(), '1 reply', 'reply count on the parent');
      const thread = await wb.coord('instance-2', 'thread', ref.replace('#', ''));
      assert(thread.includes('and the clock-skew case too'), `coord thread ${ref} shows the reply:\n${thread}`);
      await wb.shot('reply-sent');
    },
  },
  {
    name: 'another coord process writes: the status bar, tree and open thread update, and a mention notifies',
    async run(wb) {
      const before = await wb.statusCounts();
      // A message in an open room, from another process: shows up in the panel without a reload.
      await wb.coord('instance-2', 'send', '#general', 'Contract v2 is up in #backend.');
      const panel = await wb.thread('#general');
      await panel.message('Contract v2 is up in #backend.').waitFor();
      // A mention of instance-1 in a room that is not open.
      await wb.coord(
        'instance-3',
        'send',
        '#testing',
        '@instance-1 test_refresh_rotation is green 50 times in a row. OK to merge?',
      );
      // (The #general message may already be read: that panel is open.)
      await waitUntil('the status bar to count the mention', async () => {
        const c = await wb.statusCounts();
        return (c.mentions === before.mentions + 1 && c.unread >= before.unread + 1 && c) || pending(c.label);
      });
      const now = await wb.statusSnapshot();
      assertEqual(now.text, `${now.unread} ${now.mentions}`, 'status bar: unread and mentions');
      await waitUntil('#testing to show 4 unread', async () => {
        const row = await wb.treeRowText('#testing');
        return row === '#testing 4 unread' || pending(row);
      });
      const toast = await wb.toast('instance-3 mentioned you in #testing');
      assert(
        (await toast.innerText()).includes('test_refresh_rotation is green 50 times'),
        'the notification quotes the message',
      );
      await wb.shot('mention-notification');
      // Once: after the notifier's quiet period (4 s, notificationThrottle.ts) nothing more about it shows.
      // VS Code replaces a duplicate toast with a new one, so the first must still be the one on screen.
      const shown = await toast.elementHandle();
      await new Promise((r) => setTimeout(r, 5_000));
      const about = wb.page.locator('.notification-toast', {
        hasText: /test_refresh_rotation is green 50 times|new items need you/,
      });
      assertEqual(await about.count(), 1, 'notifications about the mention after the quiet period');
      assert(await shown.evaluate((e) => e.isConnected), 'the notification was shown again (its toast was replaced)');
      // Open it from the notification.
      await toast.getByRole('button', { name: 'Open' }).click();
      const testing = await wb.thread('#testing');
      await testing.message('green 50 times in a row').waitFor();
    },
  },
  {
    name: 'Coordination: Send Message and Update My Status from the palette',
    async run(wb) {
      await wb.runCommand('Coordination: Send Message');
      await wb.waitForQuickInputText('Send to which room or instance?');
      await wb.quickInputBox().fill('#frontend');
      await wb.quickInput().locator('.monaco-list-row', { hasText: '#frontend' }).first().waitFor();
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInputText('Message to #frontend');
      await wb.answer('Banner looks good; ship it with the release.');
      const confirmation = wb.page.locator('.statusbar-item', { hasText: /Sent to #frontend \(#\d+\)/ }).first();
      await confirmation.waitFor();
      await wb.shot('palette-sent');
      const panel = await wb.openFromTree('#frontend');
      const seen = await panel.read(panel.message('Banner looks good; ship it'));
      assertEqual(seen.from, 'instance-1', 'sender');
      assert(
        (await confirmation.innerText()).includes(seen.ref),
        `the confirmation names ${seen.ref}: ${await confirmation.innerText()}`,
      );

      await wb.runCommand('Coordination: Update My Status');
      await wb.waitForQuickInputText('Status of instance-1');
      assertEqual(
        await wb.quickInputBox().inputValue(),
        'Reviewing the token endpoint PR',
        'the prompt starts from the current status',
      );
      await wb.answer('Merging the OAuth PR');
      await waitUntil('the new status in the tree', async () => {
        const row = (await wb.treeRows()).find((r) => r.startsWith('instance-1 (you)'));
        return row?.startsWith('instance-1 (you) Merging the OAuth PR') || pending(row);
      });
      const status = await wb.coord('instance-2', 'system-summary');
      assert(status.includes('Merging the OAuth PR'), `coord system-summary shows the status:\n${status}`);
    },
  },
  {
    name: 'Coordination: Create Chatroom from the palette',
    async run(wb) {
      await wb.runCommand('Coordination: Create Chatroom');
      await wb.waitForQuickInputText('New chatroom name');
      await wb.answer('release');
      await wb.waitForQuickInputText('Description of #release (optional)');
      await wb.answer('Go/no-go for the OAuth release');
      const toast = await wb.toast('Created #release');
      await wb.shot('room-created');
      await wb.openCoordinationView();
      await waitUntil('#release in the tree', async () =>
        (await wb.treeRows()).includes('#release Go/no-go for the OAuth release'),
      );
      await toast.getByRole('button', { name: 'Open' }).click();
      const panel = await wb.thread('#release');
      await panel.locator('p.empty', { hasText: 'No messages yet.' }).waitFor();
      assertEqual(
        await panel.locator('p.description').innerText(),
        'Go/no-go for the OAuth release',
        'room description in the panel',
      );
      await panel.typeAndSend('Release checklist: tests green, migration reviewed, rollback plan written.');
      await panel.message('Release checklist').waitFor();
      const rooms = await wb.coord('instance-2', 'list-chatrooms');
      assert(/#release\s+open\s+by instance-1/.test(rooms), `coord list-chatrooms shows #release:\n${rooms}`);
    },
  },
  {
    name: 'Coordination: Close Chatroom from the palette',
    async run(wb) {
      await wb.runCommand('Coordination: Close Chatroom');
      await wb.waitForQuickInputText('Close which chatroom?');
      await wb.quickInputBox().fill('release');
      await wb.quickInput().locator('.monaco-list-row', { hasText: '#release' }).first().waitFor();
      await wb.page.keyboard.press('Enter');
      await wb.waitForQuickInputText('Why close #release? (optional)');
      await wb.answer('Shipped in 1.4');
      await waitUntil('#release to show as closed in the tree', async () =>
        (await wb.treeRows()).includes('#release closed — Shipped in 1.4'),
      );
      const panel = await wb.thread('#release');
      const banner = panel.locator('.closed-banner');
      await banner.waitFor({ state: 'visible' });
      assertEqual(
        (await banner.locator('.closed-text').innerText()).trim(),
        'This chatroom is closed: Shipped in 1.4. Reopen it to send messages.',
        'closed banner',
      );
      assert(await panel.composer().isDisabled(), 'the composer is disabled in a closed room');
      await wb.shot('room-closed');
      const rooms = await wb.coord('instance-2', 'list-chatrooms');
      assert(/#release\s+closed/.test(rooms), `coord list-chatrooms shows #release closed:\n${rooms}`);

      // The banner's Reopen button, from the keyboard: asks for a reason, then the room is open again.
      const reopen = banner.getByRole('button', { name: 'Reopen #release' });
      await reopen.focus();
      await reopen.press('Enter');
      await wb.waitForQuickInputText('Why reopen #release? (optional)');
      await wb.answer('Hotfix 1.4.1 goes out from here');
      await banner.waitFor({ state: 'hidden' });
      await waitUntil('the composer to be enabled', async () => !(await panel.composer().isDisabled()));
      await waitUntil(
        '#release open in the tree',
        async () =>
          (await wb.treeRows()).includes('#release Go/no-go for the OAuth release') || pending(await wb.treeRows()),
      );
      const after = await wb.coord('instance-2', 'list-chatrooms');
      assert(/#release\s+open/.test(after), `coord list-chatrooms shows #release open again:\n${after}`);
    },
  },
  {
    name: 'Coordination: Search Messages finds messages and opens the one picked',
    async run(wb) {
      await wb.runCommand('Coordination: Search Messages');
      await wb.waitForQuickInputText('Search messages');
      await wb.quickInputBox().fill('row lock');
      const text = await wb.waitForQuickInputText(/Search messages: \d+ match/);
      const n = Number(/Search messages: (\d+) match/.exec(text)[1]);
      assert(n >= 1, `matches for "row lock": ${n}`);
      const row = wb.quickInput().locator('.monaco-list-row', { hasText: 'instance-2 → #testing' }).first();
      await row.waitFor();
      assert(
        (await row.innerText()).includes('we need a row lock'),
        `the result quotes the match: ${await row.innerText()}`,
      );
      // Listed in the core's ranked order (best first), not re-sorted by date or by VS Code's matcher.
      const rowTexts = await wb.quickInput().locator('.monaco-list-row').allInnerTexts();
      const shownRefs = rowTexts.map((t) => /· (#\d+) ·/.exec(t)?.[1]).filter(Boolean);
      const ranked = (await wb.coordJson('instance-1', 'search', 'row lock')).map((m) => `#${m.number}`);
      wb.log(`search order: shown ${shownRefs.join(' ')}; coord search ${ranked.join(' ')}`);
      assert(shownRefs.length >= 2, `several results to order: ${JSON.stringify(rowTexts)}`);
      assertEqual(
        shownRefs.join(' '),
        ranked.filter((r) => shownRefs.includes(r)).join(' '),
        'results in the ranked order',
      );
      await wb.shot('search');
      await row.click();
      const panel = await wb.thread('#testing');
      await panel.waitForFocus();
      const hit = panel.message('we need a row lock');
      await hit.waitFor({ state: 'visible' });
      await waitUntil('the found message to be focused', async () =>
        hit.evaluate((a) => a === document.activeElement || a.classList.contains('flash')),
      );
    },
  },
  {
    name: "a thread's filter box searches the room's history",
    async run(wb) {
      const panel = await wb.openFromTree('#backend');
      const filter = panel.locator('input.filter');
      await filter.fill('seconds');
      const heading = panel.locator('.filter-results h2.filter-heading');
      await heading.waitFor({ state: 'visible' });
      assertEqual(await heading.innerText(), '2 messages match "seconds"', 'filter heading');
      const marks = await panel.locator('.filter-results mark').allInnerTexts();
      assert(marks.length >= 1 && marks.every((m) => m.toLowerCase() === 'seconds'), `highlighted matches: ${marks}`);
      await wb.shot('filter');
      await panel.locator('.filter-results button.filter-item', { hasText: 'as in RFC 6749' }).click();
      await heading.waitFor({ state: 'hidden' });
      await panel.message('as in RFC 6749').waitFor({ state: 'visible' });
    },
  },
  {
    name: 'a direct-message conversation opens from the tree and sends a DM',
    async run(wb) {
      const panel = await wb.openFromTree('@instance-2');
      assertEqual(
        await panel.locator('p.description').innerText(),
        'Direct messages between instance-1 and instance-2',
        'DM description',
      );
      await panel.message('the row-lock fix touches the sessions table').waitFor();
      await panel.typeAndSend('Thanks, merged after the 50 green runs.');
      await panel.message('merged after the 50 green runs').waitFor();
      const dm = await wb.coord('instance-2', 'check-dm', 'instance-1');
      assert(dm.includes('merged after the 50 green runs'), `instance-2 sees the DM:\n${dm}`);
    },
  },
  {
    name: 'Coordination: List Chatrooms and System Summary from the palette',
    async run(wb) {
      await wb.runCommand('Coordination: List Chatrooms');
      const rooms = await wb.coord('instance-1', 'list-chatrooms');
      const open = (rooms.match(/^\+ #/gm) ?? []).length;
      const closed = (rooms.match(/^- #/gm) ?? []).length;
      await wb.waitForQuickInputText(`Chatrooms (${open} open, ${closed} closed)`);
      await wb.shot('list-chatrooms');
      await wb.quickInputBox().fill('frontend');
      await wb.quickInput().locator('.monaco-list-row', { hasText: '#frontend' }).first().waitFor();
      await wb.page.keyboard.press('Enter');
      const panel = await wb.thread('#frontend');
      await panel.message('Banner done').waitFor();
      await panel.waitForFocus();
      await wb.runCommand('Coordination: System Summary');
      await wb.tab('System Summary.md').waitFor();
      const editor = wb.page.locator('.monaco-editor .view-lines', { hasText: '# System summary' }).first();
      await editor.waitFor();
      const text = await editor.innerText();
      assert(text.includes('instance-3') && text.includes('#spike-graphql'), `summary content:\n${text.slice(0, 500)}`);
    },
  },
];
