// The thread panel driven as a person drives it: paging back with "Load
// earlier messages", @mentions highlighted in the page, and the composer's
// @/# completion.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, assertEqual, pending, waitUntil } from './lib.mjs';

const PAGING = 450;

export default [
  {
    name: '"Load earlier messages" pages back to the first message of a long room',
    timeout: 90_000,
    async run(wb) {
      await wb.coord('instance-2', 'create-chatroom', 'paging', 'A long room');
      // 450 messages the way the older tools write them: one log line each.
      let lines = '';
      for (let i = 1; i <= PAGING; i++)
        lines += `[2025-06-16 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}] instance-2 -> #paging: paging message ${i}\n`;
      appendFileSync(join(wb.coordDir, 'data', 'messages.log'), lines);
      await wb.openCoordinationView();
      await waitUntil(
        '#paging in the tree',
        async () => (await wb.treeRows()).some((r) => r.startsWith('#paging')) || pending(await wb.treeRows()),
      );
      const panel = await wb.openFromTree('#paging');
      const earlier = panel.locator('button.earlier');
      await waitUntil('the newest page', async () => {
        const n = await panel.messages().count();
        return n === 200 || pending(n);
      });
      assertEqual(
        (await panel.read(panel.messages().last())).text,
        `paging message ${PAGING}`,
        'the newest message last',
      );
      assert(await earlier.isVisible(), '"Load earlier messages" shows while there are earlier messages');
      assertEqual((await earlier.innerText()).trim(), 'Load earlier messages', 'button text');
      await earlier.click();
      await waitUntil('two pages', async () => {
        const n = await panel.messages().count();
        return n === 400 || pending(n);
      });
      await earlier.click();
      await waitUntil('every message', async () => {
        const n = await panel.messages().count();
        return n === PAGING || pending(n);
      });
      assertEqual((await panel.read(panel.messages().first())).text, 'paging message 1', 'the first message');
      await earlier.waitFor({ state: 'hidden' });
      await wb.shot('load-earlier');
    },
  },
  {
    name: 'an @mention of me is highlighted in the page, other mentions and rooms are marked differently',
    async run(wb) {
      await wb.coord('instance-2', 'send', '#backend', '@instance-1 can you review? cc @instance-3, notes in #testing');
      const panel = await wb.openFromTree('#backend');
      const article = panel.message('can you review?');
      await article.waitFor();
      assertEqual(
        JSON.stringify(await article.locator('.text .mention-me').allInnerTexts()),
        '["@instance-1"]',
        'my mention, highlighted',
      );
      assertEqual(
        JSON.stringify(await article.locator('.text .mention:not(.mention-me)').allInnerTexts()),
        '["@instance-3"]',
        "someone else's mention",
      );
      assertEqual(JSON.stringify(await article.locator('.text .room-ref').allInnerTexts()), '["#testing"]', 'room');
      assert(
        (await article.locator('.badge', { hasText: 'mentions you' }).count()) === 1,
        'the message carries a "mentions you" badge',
      );
      // Highlighted means it looks different: a background behind my name, none behind the other.
      const look = await article.evaluate((a) => {
        const bg = (sel) => getComputedStyle(a.querySelector(sel)).backgroundColor;
        return { me: bg('.text .mention-me'), other: bg('.text .mention:not(.mention-me)') };
      });
      assert(
        look.me !== look.other && look.me !== 'rgba(0, 0, 0, 0)',
        `my mention has its own background: ${JSON.stringify(look)}`,
      );
      await article.scrollIntoViewIfNeeded();
      await wb.shot('mention-highlight');
    },
  },
  {
    name: 'the composer completes @instances and #rooms',
    async run(wb) {
      const panel = await wb.thread('#backend');
      const box = panel.composer();
      const list = panel.locator('#completions');
      await box.click();
      await box.fill('');
      await box.pressSequentially('ask @inst', { delay: 0 });
      await list.waitFor({ state: 'visible' });
      const offered = await list.locator('li').allInnerTexts();
      assert(
        offered.includes('@instance-2') &&
          offered.includes('@instance-3') &&
          offered.every((o) => o.startsWith('@inst')),
        `instances offered: ${JSON.stringify(offered)}`,
      );
      await wb.shot('completion');
      // Arrow down to the second, Enter takes it (and does not send).
      await box.press('ArrowDown');
      const second = offered[1];
      await box.press('Enter');
      await list.waitFor({ state: 'hidden' });
      assertEqual(await box.inputValue(), `ask ${second} `, 'the composer after choosing an instance');
      await box.pressSequentially('see #fro', { delay: 0 });
      await list.waitFor({ state: 'visible' });
      assertEqual(JSON.stringify(await list.locator('li').allInnerTexts()), '["#frontend"]', 'rooms offered');
      await box.press('Tab');
      assertEqual(await box.inputValue(), `ask ${second} see #frontend `, 'the composer after choosing a room');
      await box.fill('');
      assertEqual(
        (await panel.messages().allInnerTexts()).filter((t) => t.includes(`ask ${second}`)).length,
        0,
        'nothing was sent',
      );
    },
  },
];
