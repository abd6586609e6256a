// The "Needs You" queue, its status-bar item and its notifications, as a
// person sees them: other agents write through `coord` in their own processes;
// the person acknowledges from a notification and from the queue, and a burst
// of 50 agent messages gives at most one summary notification.
import { assert, assertEqual, escapeRe, pending, waitUntil } from './lib.mjs';

/** The Needs You view's list. */
function queue(wb) {
  return wb.page.locator('.pane:has(.pane-header[aria-label*="Needs You"]) .monaco-list').first();
}

function queueRow(wb, text) {
  return queue(wb).locator('.monaco-list-row', { hasText: text }).first();
}

async function queueLabels(wb) {
  return queue(wb)
    .locator('.monaco-list-row .label-name')
    .evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
}

/** Records every notification toast added to the page from now on (text), so tests count what a person saw. */
async function watchToasts(wb) {
  await wb.page.evaluate(() => {
    window.__e2eToasts = [];
    const seen = new WeakSet();
    const record = () => {
      for (const t of document.querySelectorAll('.notification-toast')) {
        if (seen.has(t)) continue;
        seen.add(t);
        window.__e2eToasts.push(t.querySelector('.notification-list-item-message')?.textContent ?? t.textContent);
      }
    };
    record();
    window.__e2eToasts = [];
    window.__e2eToastObserver?.disconnect();
    window.__e2eToastObserver = new MutationObserver(record);
    window.__e2eToastObserver.observe(document.body, { childList: true, subtree: true });
  });
}

const toastsSeen = (wb) => wb.page.evaluate(() => window.__e2eToasts ?? []);

/** Runs `count` coord processes, `parallel` at a time. */
async function burst(wb, count, parallel, argsFor) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await wb.coord(...argsFor(i));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** @type {Array<{name: string, run: (wb: import('./lib.mjs').Workbench) => Promise<void>, timeout?: number}>} */
export default [
  {
    name: 'Needs You: agents ask, the queue and the status bar show it, acknowledged from the queue',
    timeout: 90_000,
    async run(wb) {
      await wb.dismissNotifications();
      await wb.openCoordinationView();
      await wb.coord('instance-3', 'send', '#testing', '--urgent', 'CI is red on main: the token migration fails');
      const ack = await wb.coordJson(
        'instance-2',
        'send',
        '#backend',
        '--ack',
        '@instance-1 I am changing the sessions schema at 15:00; acknowledge so I know you saw it',
      );
      await wb.coord(
        'instance-4',
        'send-dm',
        'instance-1',
        '--high',
        'Should the banner say "session expired" or "signed out"?',
      );
      await queue(wb).waitFor();
      await waitUntil('the three new entries in Needs You', async () => {
        const rows = await queueLabels(wb);
        const want = [
          'instance-3 in #testing: CI is red on main',
          'instance-2 in #backend: @instance-1 I am changing the sessions schema',
          'instance-4 to you: Should the banner say',
        ];
        return want.every((w) => rows.some((r) => r.startsWith(w))) || pending(rows.join(' | '));
      });
      const status = wb.page.locator('.statusbar-item:has([aria-label^="Needs you:"])').first();
      await waitUntil('the Needs-you status-bar item', async () => {
        const label =
          (await status
            .locator('[aria-label]')
            .first()
            .getAttribute('aria-label')
            .catch(() => '')) ?? '';
        return /^Needs you: \d+ items?$/.test(label) || pending(label);
      });
      // Open the thread from its row: the digest of what is new sits above the new messages, the message
      // asks for an ack with a badge and a button.
      await queueRow(wb, 'I am changing the sessions schema').click();
      const backend = await wb.thread('#backend');
      const digest = backend.locator('li.digest');
      await digest.waitFor();
      const digestText = (await digest.innerText()).trim();
      assert(/^\d+ new since you last looked: .*ack asked #\d+/.test(digestText), `the digest: ${digestText}`);
      const asked = backend.message('I am changing the sessions schema');
      await asked.locator('button.ack').waitFor();
      assert(
        (await backend.read(asked)).badges.some((b) => b.includes('ack requested')),
        'the ack badge',
      );
      await wb.dismissNotifications();
      await wb.page.mouse.move(900, 700);
      await wb.shot('needs-you');

      // Acknowledge inline, from the row.
      const row = queueRow(wb, 'I am changing the sessions schema');
      await row.hover();
      await row.locator('.action-label[aria-label="Acknowledge"]').click();
      await waitUntil('the acknowledged entry to leave the queue', async () => {
        const rows = await queueLabels(wb);
        return !rows.some((r) => r.includes('I am changing the sessions schema')) || pending(rows.join(' | '));
      });
      const owed = await wb.coordJson('instance-2', 'acks');
      const mine = owed.owed.find((e) => e.status.message.number === ack.number);
      assertEqual(
        JSON.stringify(mine?.status.acked.map((a) => a.by)),
        '["instance-1"]',
        'who acked, as instance-2 sees it',
      );
    },
  },
  {
    name: 'Needs You: acknowledge from a notification',
    timeout: 90_000,
    async run(wb) {
      // Earlier entries may still wait for arrivals to pause (4 s): let them go first, so this entry is
      // notified on its own (with its buttons) rather than inside a summary.
      await new Promise((r) => setTimeout(r, 6_000));
      await wb.dismissNotifications();
      const m = await wb.coordJson(
        'instance-2',
        'send-dm',
        'instance-1',
        '--ack',
        'Rollback plan is in the PR description: please confirm you read it',
      );
      // Shown once arrivals pause (4 s).
      const toast = await wb.toast('please confirm you read it', 20_000);
      assert((await toast.innerText()).includes('instance-2 wrote to you'), 'the notification says who and where');
      await toast.getByRole('button', { name: 'Acknowledge' }).click();
      await waitUntil('the ack on disk', async () => {
        const report = await wb.coordJson('instance-2', 'acks', '--pending');
        return (
          !report.owed.some((e) => e.status.message.number === m.number) ||
          pending(JSON.stringify(report.owed.map((e) => e.status.message.number)))
        );
      });
      await waitUntil('the entry to leave the queue', async () => {
        const rows = await queueLabels(wb);
        return !rows.some((r) => r.includes('Rollback plan')) || pending(rows.join(' | '));
      });
    },
  },
  {
    name: 'Needs You: a burst of 50 agent messages gives at most one summary notification',
    timeout: 180_000,
    async run(wb) {
      await wb.dismissNotifications();
      // Let entries from earlier tests be notified first, so this burst is measured on its own.
      await new Promise((r) => setTimeout(r, 6_000));
      await watchToasts(wb);
      const started = Date.now();
      await burst(wb, 50, 6, (i) => [
        ['instance-2', 'instance-3', 'instance-4'][i % 3],
        'send',
        '#general',
        `@instance-1 burst ${i + 1}: step ${i + 1} is done`,
      ]);
      wb.log(`50 sends took ${Date.now() - started} ms`);
      await waitUntil(
        'the 50 entries in the queue',
        async () => {
          const label =
            (await wb.page
              .locator('.statusbar-item:has([aria-label^="Needs you:"]) [aria-label]')
              .first()
              .getAttribute('aria-label')) ?? '';
          const n = Number(/(\d+)/.exec(label)?.[1] ?? 0);
          return n >= 50 || pending(label);
        },
        { timeout: 30_000 },
      );
      const summary = await waitUntil(
        'one summary notification',
        async () =>
          (await toastsSeen(wb)).find((t) => /new items need you/.test(t)) ??
          pending((await toastsSeen(wb)).join(' | ')),
        { timeout: 40_000 },
      );
      wb.log(`summary: ${summary}`);
      // Well past the quiet time: a split burst would have shown its second part by now.
      await new Promise((r) => setTimeout(r, 10_000));
      const toasts = await toastsSeen(wb);
      wb.log(`toasts during the burst: ${JSON.stringify(toasts)}`);
      assertEqual(toasts.length, 1, 'notifications for 50 messages');
      assert(
        /^Agent Coordination: 50 new items need you/.test(toasts[0].trim()),
        `the summary counts them all: ${toasts[0]}`,
      );
      assert(!toasts.some((t) => new RegExp(escapeRe('burst ')).test(t)), 'no per-message toast');
      await wb.dismissNotifications();
      await wb.coord('instance-1', 'mark-read', 'all');
    },
  },
];
