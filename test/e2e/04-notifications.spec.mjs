// `coordination.notifications.mentions`: with it off, a new @mention is
// counted but no notification appears; back on, the next one notifies again.
// (01-workbench checks the notification with the setting on.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, pending, waitUntil } from './lib.mjs';

function setMentions(wb, value) {
  const file = join(wb.workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8'));
  settings['coordination.notifications.mentions'] = value;
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

export default [
  {
    name: 'with coordination.notifications.mentions off a mention is counted but not notified; on again, it is',
    timeout: 60_000,
    async run(wb) {
      await wb.dismissNotifications();
      // Only this message's toast counts: a mention sent by an earlier test may still be due (the notifier
      // waits for arrivals to pause before it shows anything).
      const quietToasts = wb.page.locator('.notification-toast', { hasText: 'quiet ping one' });
      setMentions(wb, false);
      try {
        // VS Code reads the settings file again on its own; give it that moment (no event reaches the page).
        await new Promise((r) => setTimeout(r, 2_000));
        const before = await wb.statusCounts();
        await wb.coord('instance-3', 'send', '#testing', '@instance-1 quiet ping one');
        await waitUntil('the status bar to count the mention', async () => {
          const c = await wb.statusCounts();
          return c.mentions === before.mentions + 1 || pending(c.label);
        });
        // Counted: the extension has processed the write. A notification would come once arrivals pause
        // (NotificationThrottle's quietMs, 4 s); watch 6 s so a late one is caught too.
        const until = Date.now() + 6_000;
        while (Date.now() < until) {
          assert((await quietToasts.count()) === 0, 'a mention notification appeared with the setting off');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        setMentions(wb, true);
      }
      await new Promise((r) => setTimeout(r, 2_000));
      await wb.coord('instance-3', 'send', '#testing', '@instance-1 loud ping two');
      const toast = await wb.toast('instance-3 mentioned you in #testing');
      assert((await toast.innerText()).includes('loud ping two'), 'the notification quotes the new mention');
      assert(!(await toast.innerText()).includes('quiet ping one'), 'the silenced mention is not notified late');
      assert((await quietToasts.count()) === 0, 'the silenced mention has no toast of its own');
      await wb.dismissNotifications();
    },
  },
];
