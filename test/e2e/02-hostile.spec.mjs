// Hostile content: what another agent (or anything that can write the
// directory) posts must show as inert, wrapped text. The messages are written
// by the real `coord` CLI in its own process, as another agent would.
import { assert, assertEqual, pending, waitUntil } from './lib.mjs';

const LONG = `https://example.com/${'a1b2c3d4'.repeat(400)}`; // 3,220 characters, no break opportunity
export const PAYLOADS = [
  `<img src=x onerror=alert(1)><img src=x onerror="document.body.dataset.pwned='img'"> pictures`,
  `</script><script>alert(2);document.body.dataset.pwned='script'</script> closing tags`,
  `<a href="javascript:alert(3)">click me</a>, javascript:alert(3) and [a link](javascript:alert(3))`,
  `<svg onload=alert(4)></svg><iframe src="javascript:alert(5)"></iframe><style>body{display:none}</style> more tags`,
  `{{constructor.constructor('alert(6)')()}} \${alert(7)} <!-- comment --> &lt;b&gt;entities&lt;/b&gt; &amp;`,
  `Invoice for review: \u202Efdp.exe\u202C (right-to-left override) and \u2067isolate\u2069`,
  LONG,
  `After the long one: this line wraps normally.`,
];
/** How the panel shows a text: bidi controls as visible codes ("⟨U+202E⟩") instead of applied. */
export function visible(text) {
  return text.replace(
    /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g,
    (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}
const ALLOWED_TAGS = new Set(['LI', 'OL', 'ARTICLE', 'DIV', 'SPAN', 'TIME', 'BUTTON']);

/** What is in the thread panel's DOM that the payloads could have created. */
function inspect(frame) {
  return frame.evaluate(
    ({ allowed }) => {
      const list = document.querySelector('ol.messages');
      const tags = new Set([...list.querySelectorAll('*')].map((e) => e.tagName));
      const article = [...document.querySelectorAll('article.message')].find((a) =>
        a.querySelector('.text')?.textContent.startsWith('https://example.com/'),
      );
      const text = article?.querySelector('.text');
      const scroller = document.querySelector('main.scroller');
      const pageWidth = document.documentElement.clientWidth;
      return {
        unexpectedTags: [...tags].filter((t) => !allowed.includes(t)),
        dangerous: document.querySelectorAll(
          '#app img, #app iframe, #app svg, #app a, #app style, #app script, #app object, #app embed',
        ).length,
        // The panel's own script (with the nonce) and VS Code's acquireVsCodeApi shim are the only ones.
        strayScripts: [...document.scripts].filter((s) => !s.nonce && !s.textContent.includes('acquireVsCodeApi'))
          .length,
        pwned: document.body.dataset.pwned ?? null,
        bodyHidden: getComputedStyle(document.body).display === 'none',
        long: text
          ? {
              textScroll: text.scrollWidth,
              textClient: text.clientWidth,
              articleRight: article.getBoundingClientRect().right,
              height: text.getBoundingClientRect().height,
              pageWidth,
              scrollerScroll: scroller.scrollWidth,
              scrollerClient: scroller.clientWidth,
            }
          : null,
      };
    },
    { allowed: [...ALLOWED_TAGS] },
  );
}

export default [
  {
    name: 'hostile messages (HTML, script, javascript: links, long strings, RTL overrides) render as inert, wrapped text',
    timeout: 90_000,
    async run(wb) {
      // The dialog listener works: a dialog in the workbench page is caught.
      const before = wb.dialogs.length;
      await wb.page.evaluate(() => setTimeout(() => alert('e2e probe'), 0));
      await waitUntil('the probe dialog to be seen', () => wb.dialogs.length > before || pending(wb.dialogs.length));
      wb.dialogs.splice(before); // the probe is not a failure

      await wb.coord(
        'instance-3',
        'create-chatroom',
        'hostile',
        '<img src=x onerror=alert(9)> room <b>description</b>',
      );
      for (const text of PAYLOADS) await wb.coord('instance-3', 'send', '#hostile', text);
      await wb.openCoordinationView();
      // Every payload counted: the tree has stopped refreshing for these writes.
      await waitUntil(
        '#hostile in the tree with every payload unread',
        async () =>
          (await wb.treeRows()).includes(`#hostile ${PAYLOADS.length} unread`) || pending(await wb.treeRows()),
      );
      const panel = await wb.openFromTree('#hostile');
      await waitUntil(
        'every payload in the panel',
        async () => (await panel.messages().count()) === PAYLOADS.length || pending(await panel.messages().count()),
      );
      assertEqual(
        await panel.locator('p.description').innerText(),
        '<img src=x onerror=alert(9)> room <b>description</b>',
        'room description as text',
      );

      // Each payload shows literally, character for character.
      const shown = await panel
        .locator('ol.messages article.message .text')
        .evaluateAll((els) => els.map((e) => e.textContent));
      for (const text of PAYLOADS)
        assert(
          shown.includes(visible(text)),
          `shown literally: ${JSON.stringify(visible(text).slice(0, 80))}\n  got: ${JSON.stringify(shown.map((s) => s.slice(0, 80)))}`,
        );
      // Bidi controls show as codes, in their real place, and none is left to reorder the text.
      const invoice = panel.message('Invoice for review');
      const codes = await invoice.locator('.text .bidi-control').allInnerTexts();
      assertEqual(
        JSON.stringify(codes),
        JSON.stringify(['⟨U+202E⟩', '⟨U+202C⟩', '⟨U+2067⟩', '⟨U+2069⟩']),
        'bidi controls shown as codes',
      );
      const invoiceText = await invoice.locator('.text').innerText();
      assert(invoiceText.includes('⟨U+202E⟩fdp.exe⟨U+202C⟩'), `the real order is visible: ${invoiceText}`);
      assert(
        !/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(shown.join('')),
        'a bidi control left in the message text',
      );
      assertEqual(
        await invoice.locator('.text').evaluate((e) => getComputedStyle(e).unicodeBidi),
        'isolate',
        'unicode-bidi of message text',
      );
      // Visible as text to a reader, too (innerText is what renders).
      await panel.locator('.text', { hasText: '<img src=x onerror=alert(1)>' }).first().waitFor();
      await panel.locator('.text', { hasText: '</script><script>alert(2);' }).first().waitFor();

      const seen = await inspect(panel.frame);
      wb.log(`webview DOM: ${JSON.stringify({ ...seen, long: undefined })}`);
      assertEqual(JSON.stringify(seen.unexpectedTags), '[]', 'element types inside the message list');
      assertEqual(seen.dangerous, 0, 'img/iframe/svg/a/style/script/object/embed elements in the panel');
      assertEqual(seen.strayScripts, 0, "script elements besides the panel's own and VS Code's");
      assertEqual(seen.pwned, null, 'marker set by a payload script');
      assertEqual(seen.bodyHidden, false, 'body hidden by an injected <style>');
      // No CSP violation so far (the runner fails the test on any it sees in the console of any frame) ...
      assertEqual(
        JSON.stringify(wb.pageProblems.filter((p) => p.startsWith('CSP'))),
        '[]',
        'Content-Security-Policy violations (blocked injected code)',
      );
      // ... and the runner does see one: a probe inline script in the panel is blocked and reported.
      const seenBefore = wb.pageProblems.length;
      await panel.frame.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'document.body.dataset.probe = "ran"';
        document.body.append(s);
      });
      await waitUntil(
        'the CSP probe to be reported',
        () => wb.pageProblems.slice(seenBefore).some((p) => p.startsWith('CSP violation')) || pending(wb.pageProblems),
      );
      assertEqual(await panel.frame.evaluate(() => document.body.dataset.probe ?? null), null, 'the probe script ran');
      wb.pageProblems.splice(seenBefore); // the probe is not a failure
      // The runner sees a script error in the page too: a message whose every property throws on reading,
      // handed to the page's own listeners, makes them throw (an uncaught error inside the webview's script).
      const errorsBefore = wb.pageProblems.length;
      await panel.frame.evaluate(() => {
        const trap = new Proxy(
          {},
          {
            get() {
              throw new Error('e2e probe: a script error in the thread page');
            },
          },
        );
        window.dispatchEvent(new MessageEvent('message', { data: trap }));
      });
      await waitUntil(
        'the script error probe to be reported',
        () =>
          wb.pageProblems
            .slice(errorsBefore)
            .some((p) => p.startsWith('script error in a webview: ') && p.includes('e2e probe')) ||
          pending(wb.pageProblems),
      );
      wb.pageProblems.splice(errorsBefore); // nor is this one

      // The long unbroken string wraps inside the panel: no horizontal overflow.
      const L = seen.long;
      assert(L, 'the long message is in the panel');
      wb.log(`long string: ${JSON.stringify(L)}`);
      assert(L.textScroll <= L.textClient + 1, `the long text overflows its box (${L.textScroll} > ${L.textClient})`);
      assert(
        L.articleRight <= L.pageWidth + 1,
        `the long message is wider than the panel (${L.articleRight} > ${L.pageWidth})`,
      );
      assert(
        L.scrollerScroll <= L.scrollerClient + 1,
        `the thread scrolls sideways (${L.scrollerScroll} > ${L.scrollerClient})`,
      );
      assert(L.height > 60, `the long text wraps onto several lines (height ${L.height})`);

      // The right-to-left override stays inside its own message: the next message's header is laid out as usual.
      const xs = await panel
        .locator('ol.messages article.message .meta .from')
        .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().left)));
      assert(new Set(xs).size === 1, `every sender name starts at the same x (RTL override leaked?): ${xs}`);

      await panel.message('Invoice for review').scrollIntoViewIfNeeded();
      await wb.shot('hostile');
      await panel.message('After the long one').scrollIntoViewIfNeeded();
      await wb.shot('hostile-long');

      // The filter shows matches as text too.
      await panel.locator('input.filter').fill('onerror');
      const heading = panel.locator('.filter-results h2.filter-heading');
      await heading.waitFor({ state: 'visible' });
      assert(
        /^\d+ messages? match "onerror"$/.test(await heading.innerText()),
        `filter heading: ${await heading.innerText()}`,
      );
      const inResults = await panel.frame.evaluate(() => ({
        dangerous: document.querySelectorAll(
          '.filter-results img, .filter-results iframe, .filter-results svg, .filter-results a, .filter-results script',
        ).length,
        texts: [...document.querySelectorAll('.filter-results .filter-item .text')].map((e) => e.textContent),
      }));
      assertEqual(inResults.dangerous, 0, 'elements from payloads in the filter results');
      assert(
        inResults.texts.some((t) => t.includes('<img src=x onerror=alert(1)>')),
        `filter result text: ${JSON.stringify(inResults.texts)}`,
      );
      await panel.locator('input.filter').press('Escape');
      assertEqual((await inspect(panel.frame)).pwned, null, 'marker after filtering');
      assertEqual(wb.dialogs.length, before, 'dialogs');
    },
  },
  {
    name: 'a hostile mention notifies as plain text: no links, no markup',
    async run(wb) {
      const before = wb.dialogs.length;
      await wb.dismissNotifications();
      const payload =
        '@instance-1 <img src=x onerror=alert(10)> [Mark all read](command:coordination.markAllRead) [site](javascript:alert(11)) <b>bold</b>';
      await wb.coord('instance-4', 'send', '#hostile', payload);
      const toast = await wb.toast('instance-4 mentioned you in #hostile');
      await wb.shot('hostile-notification');
      const seen = await toast.evaluate((t) => ({
        text: t.querySelector('.notification-list-item-message')?.textContent ?? t.textContent,
        links: [...t.querySelectorAll('.notification-list-item-message a')].map(
          (a) => `${a.textContent} -> ${a.getAttribute('href') ?? a.dataset.href ?? ''}`,
        ),
        imgs: t.querySelectorAll('img').length,
        bold: t.querySelectorAll('.notification-list-item-message b, .notification-list-item-message strong').length,
      }));
      wb.log(`notification: ${JSON.stringify(seen)}`);
      assertEqual(seen.imgs, 0, 'images in the notification');
      assertEqual(seen.bold, 0, 'markup in the notification');
      assertEqual(JSON.stringify(seen.links), '[]', 'links in the notification made from message text');
      assert(
        seen.text.includes('<img src=x onerror=alert(10)>'),
        `the notification shows the text literally: ${seen.text}`,
      );
      assertEqual(wb.dialogs.length, before, 'dialogs');
    },
  },
];
