// Helpers for the browser end-to-end suite: what a person does in VS Code
// (click the tree, type in the palette, read the status bar, use the thread
// panel) expressed with playwright-core against code-server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class AssertionError extends Error {}

export function assert(cond, message) {
  if (!cond) throw new AssertionError(message);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected)
    throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

class Pending {
  constructor(detail) {
    this.detail = detail;
  }
}
/** Returned from a waitUntil() callback: not there yet, and this is what was seen instead. */
export const pending = (detail) => new Pending(detail);

/**
 * Polls `fn` until it returns a truthy value other than pending(...); what it
 * saw last (a pending detail or an error) goes in the timeout message.
 */
export async function waitUntil(what, fn, { timeout = 15_000, every = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v instanceof Pending) last = v.detail;
      else if (v) return v;
      else last = v;
    } catch (error) {
      last = error instanceof Error ? error.message.split('\n')[0] : error;
    }
    if (Date.now() > deadline)
      throw new AssertionError(
        `timed out after ${timeout} ms waiting for ${what}${last !== undefined && last !== false && last !== null ? ` (last: ${typeof last === 'string' ? last : JSON.stringify(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, every));
  }
}

/** One test's view of the running VS Code: the page, the workspace, the `coord` CLI and screenshots. */
/** { unread, mentions, label } of the status bar's accessible label. */
function countsOfLabel(label) {
  const m = /(\d+) unread, (\d+) mentions?/.exec(label);
  if (!m) throw new AssertionError(`status-bar label not understood: ${JSON.stringify(label)}`);
  return { unread: Number(m[1]), mentions: Number(m[2]), label };
}

export class Workbench {
  constructor({ page, root, workspace, shot }) {
    this.page = page;
    this.root = root;
    this.workspace = workspace;
    this.coordDir = join(workspace, 'coordination');
    this.shot = shot;
  }

  // ---------------------------------------------------------------- the `coord` CLI in its own process

  /** Runs `coord --dir <workspace>/coordination --as <as> ...args` as a separate process (another agent). */
  async coord(as, ...args) {
    const { stdout } = await run(
      process.execPath,
      [join(this.root, 'dist', 'cli.js'), '--dir', this.coordDir, '--as', as, ...args],
      {
        env: { ...process.env, CLAUDE_INSTANCE_ID: '' },
        timeout: 20_000,
      },
    );
    return stdout;
  }

  async coordJson(as, ...args) {
    const { stdout } = await run(
      process.execPath,
      [join(this.root, 'dist', 'cli.js'), '--dir', this.coordDir, '--as', as, '--json', ...args],
      {
        env: { ...process.env, CLAUDE_INSTANCE_ID: '' },
        timeout: 20_000,
      },
    );
    return JSON.parse(stdout);
  }

  // ---------------------------------------------------------------- workbench chrome

  /** Waits until the workbench is up and the extension has put its status-bar item there. */
  async waitForWorkbench(timeout = 90_000) {
    await this.page.locator('.monaco-workbench').waitFor({ timeout });
    await this.statusItem().waitFor({ timeout });
  }

  /** The extension's status-bar item (its accessible label starts with "Agent Coordination"). */
  statusItem() {
    return this.page
      .locator(
        '.statusbar-item[id="agent-coordination.agent-coordination.coordination.unread"], .statusbar-item:has([aria-label^="Agent Coordination:"])',
      )
      .first();
  }

  /** The status-bar text as a person reads it (codicons are glyphs, so only the numbers show). */
  async statusText() {
    return (await this.statusItem().innerText()).replace(/\s+/g, ' ').trim();
  }

  async statusLabel() {
    const inner = this.statusItem().locator('[aria-label]').first();
    return (await inner.getAttribute('aria-label')) ?? '';
  }

  /**
   * The status bar's text and its label's counts read in one step, so a count that changes
   * between two reads (a panel marking a message read) cannot make them disagree.
   */
  async statusSnapshot() {
    const { text, label } = await this.statusItem().evaluate((item) => ({
      text: item.innerText,
      label: item.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '',
    }));
    return { text: text.replace(/\s+/g, ' ').trim(), ...countsOfLabel(label) };
  }

  /** { unread, mentions } parsed from the status bar's accessible label. */
  async statusCounts() {
    return countsOfLabel(await this.statusLabel());
  }

  /** Closes every editor tab and notification toast. */
  async tidy() {
    await this.dismissNotifications();
    await this.runCommand('View: Close All Editors');
    await this.quickInput().waitFor({ state: 'hidden', timeout: 5000 });
  }

  /** Clears every notification toast (through VS Code's own command) and waits until none shows. */
  async dismissNotifications() {
    const toasts = this.page.locator('.notification-toast');
    if ((await toasts.count()) === 0) return;
    await this.runCommand('Notifications: Clear All Notifications');
    await toasts.first().waitFor({ state: 'detached', timeout: 5_000 });
  }

  /** The Coordination container in the activity bar. */
  activityItem() {
    return this.page.locator('.activitybar li.action-item:has(> a[aria-label^="Coordination"])').first();
  }

  /** Opens the Coordination view (unless it is already showing) and returns the tree's locator. */
  async openCoordinationView() {
    const tree = this.tree();
    if (!(await tree.isVisible().catch(() => false))) {
      await this.activityItem().click();
    }
    await tree.waitFor({ timeout: 15_000 });
    await this.treeRow('Chatrooms').waitFor({ timeout: 15_000 });
    return tree;
  }

  tree() {
    return this.page
      .locator(
        '.pane:has(.pane-header[aria-label*="Chatrooms"]) .monaco-list, [id="workbench.view.extension.coordination"] .pane:not(:has(.pane-header[aria-label*="Needs You"])) .monaco-list',
      )
      .first();
  }

  /** A tree row by its label text (exact, e.g. "#general" or "Direct messages"). */
  treeRow(label) {
    return this.tree()
      .locator('.monaco-list-row')
      .filter({
        has: this.page.locator('.label-name, .monaco-highlighted-label', {
          hasText: new RegExp(`^${escapeRe(label)}$`),
        }),
      })
      .first();
  }

  /** The visible text of a tree row: "label description". */
  async treeRowText(label) {
    const row = this.treeRow(label);
    const name = (await row.locator('.label-name').first().innerText()).trim();
    const desc = (
      await row
        .locator('.label-description')
        .first()
        .innerText()
        .catch(() => '')
    ).trim();
    return `${name} ${desc}`.trim();
  }

  /** The labels of every row in the tree, in order, with their descriptions. */
  async treeRows() {
    return this.tree()
      .locator('.monaco-list-row')
      .evaluateAll((rows) =>
        rows.map((r) => {
          const name = r.querySelector('.label-name')?.textContent?.trim() ?? '';
          const desc = r.querySelector('.label-description')?.textContent?.trim() ?? '';
          return desc ? `${name} ${desc}` : name;
        }),
      );
  }

  // ---------------------------------------------------------------- palette and quick input

  quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  quickInputBox() {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /**
   * Waits until the keyboard focus has stopped moving (the same element, in the
   * same frame, three polls in a row): a webview that is still loading takes
   * the focus once it is ready, and would close a palette opened before that.
   */
  async focusSettled(timeout = 10_000) {
    const where = async () => {
      const parts = [];
      for (const f of this.page.frames()) {
        if (f.isDetached()) continue;
        const active = await f
          .evaluate(() =>
            document.hasFocus()
              ? `${document.readyState}:${document.activeElement?.tagName}.${document.activeElement?.className}`
              : '',
          )
          .catch(() => '');
        if (active) parts.push(`${f.url().slice(0, 80)} ${active}`);
      }
      return parts.join(' | ');
    };
    let last = await where();
    let same = 0;
    await waitUntil(
      'the keyboard focus to settle',
      async () => {
        const now = await where();
        same = now === last ? same + 1 : 0;
        last = now;
        return same >= 2 || pending(now);
      },
      { timeout, every: 150 },
    );
  }

  /**
   * Opens the command palette with F1 and runs a command by typing its exact
   * title. One attempt: a palette that closes, or a title that puts another
   * command first, fails the test.
   */
  async runCommand(title) {
    const page = this.page;
    await this.closeQuickInput();
    await this.focusSettled();
    await page.keyboard.press('F1');
    const box = this.quickInputBox();
    await box.waitFor({ state: 'visible', timeout: 5_000 });
    await box.fill(`>${title}`);
    const rows = this.quickInput().locator('.monaco-list-row');
    // The row that is exactly this command (not a longer title that contains the words) must come first.
    await rows
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) })
      .first()
      .waitFor({ timeout: 5_000 });
    const first = (await rows.first().locator('.label-name').first().innerText()).trim();
    assertEqual(first, title, `the first palette row for ${JSON.stringify(title)}`);
    await page.keyboard.press('Enter');
  }

  async closeQuickInput() {
    if (
      await this.quickInput()
        .isVisible()
        .catch(() => false)
    ) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden', timeout: 5000 });
    }
  }

  /** Waits for the quick input to show `text` (in its title, prompt or a row) and returns its visible text. */
  async waitForQuickInputText(text, timeout = 10_000) {
    const q = this.quickInput();
    await q.waitFor({ state: 'visible', timeout });
    return waitUntil(
      `the quick input to show ${JSON.stringify(text)}`,
      async () => {
        // What a person reads there: the widget's text and the input's placeholder (a quick pick's question).
        const placeholder = (await this.quickInputBox().first().getAttribute('placeholder', { timeout: 1000 })) ?? '';
        const t = `${placeholder}\n${await q.innerText()}`;
        return (typeof text === 'string' ? t.includes(text) : text.test(t)) ? t : false;
      },
      { timeout },
    );
  }

  /** Types into the open input box (prompt) and presses Enter. */
  async answer(value) {
    const box = this.quickInputBox();
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    await box.fill(value);
    await this.page.keyboard.press('Enter');
  }

  // ---------------------------------------------------------------- notifications

  notification(text) {
    return this.page.locator('.notification-toast', { hasText: text }).first();
  }

  /** Waits for a notification toast showing `text` to finish fading in, and returns it. */
  async toast(text, timeout = 10_000) {
    const toast = this.page.locator('.notification-toast.notification-fade-in-done', { hasText: text }).first();
    await toast.waitFor({ timeout });
    return toast;
  }

  // ---------------------------------------------------------------- the thread panel (a webview)

  /** The editor tab of a thread panel ("#general", "@instance-2"). */
  tab(title) {
    return this.page
      .locator('.tabs-container .tab', {
        has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }),
      })
      .first();
  }

  /**
   * The thread panel's document: the webview's inner frame whose #app shows
   * `target`. VS Code nests it as iframe.webview > iframe#active-frame.
   */
  async thread(target, timeout = 20_000) {
    const frame = await waitUntil(
      `the thread panel for ${target}`,
      async () => {
        for (const f of this.page.frames()) {
          if (f.isDetached()) continue;
          if (!/\/fake\.html|index\.html|vscode-webview/.test(f.url()) && !f.url().includes('webview')) continue;
          const t = await f
            .evaluate(() => document.getElementById('app')?.getAttribute('data-target') ?? null)
            .catch(() => null);
          if (t === target) return f;
        }
        return false;
      },
      { timeout },
    );
    return new ThreadPanel(this, frame, target);
  }

  /** Opens a room or DM by clicking its row in the Coordination tree (one click: a lost click fails). */
  async openFromTree(label) {
    await this.openCoordinationView();
    await this.treeRow(label).click();
    // Then away from the tree, as a hand does: a row's hover card would otherwise cover the panel.
    await this.page.mouse.move(900, 52);
    let failed = '';
    await waitUntil(`the ${label} tab to open`, async () => {
      if (await this.tab(label).isVisible()) return true;
      // A row whose command went stale is an error VS Code shows in a toast: fail on it at once.
      // (isVisible() looks once; innerText() would wait for a toast that should never come, and
      // with it this whole poll, for the default 15 s.)
      const toast = this.page.locator('.notification-toast', { hasText: /command not found/i }).first();
      if (await toast.isVisible()) {
        failed = await toast.innerText();
        return true;
      }
      return pending(
        await this.page
          .locator('.tabs-container .tab')
          .evaluateAll((tabs) =>
            tabs.map(
              (t) =>
                `${t.textContent} ${Math.round(t.getBoundingClientRect().width)}px ${getComputedStyle(t).visibility}`,
            ),
          ),
      );
    });
    if (failed) throw new AssertionError(`clicking ${label} in the tree failed: ${failed.replace(/\s+/g, ' ')}`);
    const panel = await this.thread(label);
    await panel.waitForMessages();
    return panel;
  }
}

export class ThreadPanel {
  constructor(wb, frame, target) {
    this.wb = wb;
    this.frame = frame;
    this.target = target;
  }

  locator(selector, opts) {
    return this.frame.locator(selector, opts);
  }

  title() {
    return this.frame.locator('h1.title');
  }

  messages() {
    return this.frame.locator('ol.messages article.message');
  }

  /** The article whose text contains `text`. */
  message(text) {
    return this.frame
      .locator('ol.messages article.message', { has: this.frame.locator('.text', { hasText: text }) })
      .last();
  }

  /** Waits until the panel's document has the focus: a panel just opened takes it once loaded. */
  async waitForFocus() {
    await waitUntil(`${this.target} to take the focus`, () => this.frame.evaluate(() => document.hasFocus()), {
      timeout: 10_000,
    });
  }

  async waitForMessages() {
    await this.title().waitFor({ timeout: 15_000 });
    await waitUntil(
      `messages in ${this.target}`,
      async () =>
        (await this.messages().count()) > 0 || (await this.frame.locator('p.empty:not([hidden])').count()) > 0,
    );
  }

  /** What a person reads about a message: sender, time, number and text. */
  async read(article) {
    return article.evaluate((a) => ({
      from: a.querySelector('.meta .from')?.textContent ?? '',
      time: a.querySelector('.meta .time')?.textContent ?? '',
      ref: a.querySelector('.meta .ref')?.textContent ?? '',
      text: a.querySelector('.text')?.textContent ?? '',
      badges: [...a.querySelectorAll('.meta .badge')].map((b) => b.textContent.trim()),
      label: a.getAttribute('aria-label') ?? '',
    }));
  }

  composer() {
    return this.frame.locator('textarea.input');
  }

  /** Types into the composer like a person: Shift+Enter between lines, Enter to send. */
  async typeAndSend(text) {
    const box = this.composer();
    await box.click();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) await box.press('Shift+Enter');
      await box.pressSequentially(lines[i], { delay: 0 });
    }
    // Close any @/# completion list that typing opened, so Enter sends.
    if (await this.frame.locator('#completions:not([hidden])').count()) await box.press('Escape');
    await box.press('Enter');
  }

  /** The list item of the message that contains `text` (the message, its replies toggle and its replies). */
  item(text) {
    return this.frame
      .locator('ol.messages li.item', { has: this.frame.locator(':scope > article .text', { hasText: text }) })
      .last();
  }

  /** The nested reply list under the message that contains `parentText`. */
  repliesOf(parentText) {
    return this.item(parentText).locator(':scope > ol.replies');
  }

  /** The "N replies" toggle of the message that contains `parentText`. */
  repliesToggle(parentText) {
    return this.item(parentText).locator(':scope > button.toggle');
  }
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
