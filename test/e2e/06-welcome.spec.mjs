// With no coordination directory where `coordination.directory` points, the
// Coordination view shows its welcome content with an Initialize button; once
// the setting points at a directory again, the tree is back.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, pending, waitUntil } from './lib.mjs';

function setDirectory(wb, value) {
  const file = join(wb.workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8'));
  if (value === undefined) delete settings['coordination.directory'];
  else settings['coordination.directory'] = value;
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

export default [
  {
    name: 'the view shows its welcome content when there is no directory, and the tree when there is one',
    timeout: 60_000,
    async run(wb) {
      await wb.openCoordinationView();
      const welcome = wb.page.locator('.welcome-view-content', { hasText: 'No coordination directory found' }).first();
      setDirectory(wb, 'no-such-directory');
      try {
        await welcome.waitFor({ timeout: 20_000 });
        const text = (await welcome.innerText()).replace(/\s+/g, ' ');
        assert(
          text.startsWith('No coordination directory found in this workspace') &&
            text.includes('coordination.directory'),
          `welcome text: ${text}`,
        );
        await welcome.getByRole('button', { name: 'Initialize coordination directory' }).waitFor();
        assert(!(await wb.treeRow('Chatrooms').isVisible()), 'no tree rows beside the welcome content');
        await wb.shot('welcome-view');
      } finally {
        setDirectory(wb, undefined);
      }
      await welcome.waitFor({ state: 'hidden', timeout: 20_000 });
      await waitUntil(
        'the tree again',
        async () => (await wb.treeRows()).includes('Chatrooms') || pending(await wb.treeRows()),
      );
    },
  },
];
