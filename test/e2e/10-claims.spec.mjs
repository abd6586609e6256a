// Coordination anchored to code, as a person sees it: a `file:line` link in
// the thread panel opens the file at that line, and the Explorer badges the
// files other agents have claimed (the screenshot goes to the README).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, pending, waitUntil } from './lib.mjs';

const SOURCE = Array.from({ length: 40 }, (_, i) => `export const step${i + 1} = ${i + 1};`).join('\n') + '\n';

function writeFiles(ws) {
  for (const rel of ['src/auth/token.ts', 'src/auth/session.ts', 'src/api/routes.ts', 'docs/guide.md']) {
    mkdirSync(dirname(join(ws, rel)), { recursive: true });
    writeFileSync(join(ws, rel), SOURCE);
  }
}

/** The text the Explorer's decoration draws after a row's label (the badge), e.g. "2". */
async function explorerBadge(wb, name) {
  const row = wb.page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
  if (!(await row.isVisible().catch(() => false))) return pending(`no Explorer row ${name}`);
  const badges = await row.evaluate((r) =>
    [r, ...r.querySelectorAll('*')]
      .map((e) => getComputedStyle(e, '::after').content)
      .filter((c) => c && c !== 'none' && c !== 'normal' && c !== '""'),
  );
  return badges.length ? badges.join(' ').replace(/"/g, '') : pending(`row ${name} has no badge`);
}

/** Opens #general from the tree and waits for its page (the panel's frame, found by what it shows). */
async function openGeneral(wb) {
  await wb.openCoordinationView();
  await waitUntil(
    '#general in the tree',
    async () => (await wb.treeRows()).some((r) => r.startsWith('#general')) || pending(await wb.treeRows()),
  );
  await wb.treeRow('#general').click();
  await wb.page.mouse.move(900, 52);
  const panel = await wb.thread('#general');
  await panel.waitForMessages();
  return panel;
}

export default [
  {
    name: 'a file:line link in a message opens the file at that line',
    async run(wb) {
      writeFiles(wb.workspace);
      await wb.coord(
        'instance-2',
        'send',
        '#general',
        'Tightened the expiry check at src/auth/token.ts:12-14, please review',
      );
      const panel = await openGeneral(wb);
      const link = panel.locator('a.code-ref', { hasText: 'src/auth/token.ts:12-14' }).last();
      await link.waitFor({ timeout: 15_000 });
      await wb.shot('code-link');
      await link.click();
      await wb.tab('token.ts').waitFor({ timeout: 15_000 });
      const position = wb.page.locator('.statusbar-item[id="status.editor.selection"]');
      await waitUntil('the cursor on line 12 with lines 12-14 selected', async () => {
        const text = (await position.innerText().catch(() => '')).trim();
        return /^Ln 12, Col 1 \(\d+ selected\)$/.test(text) || pending(text);
      });
      await wb.shot('code-link-opened');
    },
  },
  {
    name: 'the Explorer badges claimed files and their folders with the holder',
    async run(wb) {
      writeFiles(wb.workspace);
      await wb.coord('instance-2', 'claim', 'src/auth/**', '--exclusive', '--reason', 'token refresh rewrite');
      await wb.coord('instance-3', 'claim', 'src/api/routes.ts', '--exclusive', '--reason', 'new /token route');
      await wb.coord('instance-1', 'claim', 'docs/**', '--reason', 'writing the guide');
      await wb.coord('instance-1', 'claim', 'src/api/routes.ts', '--force', '--reason', 'hotfix');
      try {
        await wb.tidy();
        await wb.coord(
          'instance-3',
          'send',
          '#general',
          'Files: docs/guide.md:1 src/api/routes.ts:1 src/auth/token.ts:1',
        );
        const panel = await openGeneral(wb);
        // Opening each file from its link and revealing it expands its folders in the Explorer.
        for (const rel of ['docs/guide.md', 'src/api/routes.ts', 'src/auth/token.ts']) {
          await wb.tab('#general').click();
          const link = panel.locator('a.code-ref', { hasText: `${rel}:1` }).last();
          await link.waitFor({ timeout: 15_000 });
          await link.click();
          await wb.tab(rel.split('/').pop()).waitFor({ timeout: 10_000 });
          await wb.runCommand('File: Reveal Active File in Explorer View');
        }
        const expected = { 'token.ts': '2', 'session.ts': '2', auth: '2', 'guide.md': '1', 'routes.ts': '3' };
        for (const [name, badge] of Object.entries(expected)) {
          const shown = await waitUntil(`the badge of ${name}`, () => explorerBadge(wb, name));
          assert(shown === badge, `${name} shows badge ${badge}, got ${shown}`);
        }
        await wb.page.mouse.move(700, 500);
        await wb.shot('explorer-claims');
        const file = join(wb.root, 'docs', 'screenshots', 'explorer-claims.png');
        mkdirSync(dirname(file), { recursive: true });
        await wb.page.screenshot({ path: file });
      } finally {
        for (const who of ['instance-1', 'instance-2', 'instance-3']) await wb.coord(who, 'release', '--all');
      }
    },
  },
];
