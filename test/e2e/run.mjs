#!/usr/bin/env node
// The browser end-to-end suite: a real VS Code (code-server, offline) with
// this extension loaded from the working tree, driven by Debian's Chromium
// through playwright-core, asserting what a person sees.
//
//   node test/e2e/run.mjs [--grep TEXT] [--headed] [--keep] [--bail] [--forbid-only]
//
// A test is { name, run(wb), workspace?, timeout?, skip?: 'why it cannot run here', only? }.
// `only: true` runs just the tests marked so, and with --forbid-only (what
// scripts/test-all.mjs passes) fails the run instead. A script error in a
// webview, or a Content-Security-Policy violation anywhere, fails the test
// during which it happened.
//
// Builds nothing (run `node scripts/build.mjs` first; `npm test` does).
// Screenshots of every step go to test-results/e2e/; the log to
// test-results/e2e/run.log. Writes {"passed","failed","skipped"} to
// $COORD_COUNTS_FILE when set, and exits non-zero on any failure.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assert, AssertionError, pending, waitUntil, Workbench } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUT = join(process.env.COORD_TEST_RESULTS || join(ROOT, 'test-results'), 'e2e');
// Where the *.spec.mjs files are read from (the runner's own tests point it at a scratch directory).
const SPECS = process.env.COORD_E2E_SPECS || HERE;
// Room for the Needs You spec (a burst of 50 agent processes, and waits for notifications to settle).
const STAGE_CAP_MS = Number(process.env.COORD_E2E_CAP_MS || 420_000);
const VIEWPORT = { width: 1280, height: 800 };

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const flag = (name) => argv.includes(`--${name}`);
const grep = opt('grep');

const started = Date.now();
const secs = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const LOG = join(OUT, 'run.log');
function log(line) {
  const text = `[e2e ${secs()}s] ${line}`;
  console.log(text);
  appendFileSync(LOG, `${text}\n`);
}
function browserLog(line) {
  appendFileSync(join(OUT, 'browser.log'), `${new Date().toISOString()} ${line}\n`);
}

const counts = { passed: 0, failed: 0, skipped: 0, skips: [] };
const failures = [];
function writeCounts() {
  const file = process.env.COORD_COUNTS_FILE;
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(counts));
}

// ------------------------------------------------------------------ cleanup

const cleanups = [];
let cleaningUp = null;
function cleanup() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log(`cleanup: ${error instanceof Error ? error.message : error}`);
      }
    }
  })();
  return cleaningUp;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    counts.failed += counts.passed + counts.failed === 0 ? 1 : 0;
    writeCounts();
    await cleanup();
    process.exit(130);
  });
}
const watchdog = setTimeout(async () => {
  log(`the stage took longer than ${STAGE_CAP_MS / 1000} s: stopping`);
  counts.failed += 1;
  writeCounts();
  await cleanup();
  process.exit(1);
}, STAGE_CAP_MS);
watchdog.unref();

// ------------------------------------------------------------------ workspaces

async function demoWorkspace() {
  const { seedDemo } = await import(pathToFileURL(join(ROOT, 'scripts', 'demo', 'seed.mjs')).href);
  // A folder with a project's name: it is the window title in the screenshots.
  const ws = join(mkdtempSync(join(tmpdir(), 'coord-e2e-')), 'oauth-service');
  mkdirSync(ws);
  await seedDemo(join(ws, 'coordination'));
  writeWorkspaceSettings(ws);
  writeFileSync(join(ws, 'README.md'), '# Agent Coordination e2e workspace\n');
  return ws;
}

/**
 * A multi-root workspace (multi.code-workspace): folder `first` has no
 * coordination directory, `second` and `third` each have one with a room of
 * its own. The extension must use the first folder that has one (`second`).
 */
function multiRootWorkspace() {
  const base = mkdtempSync(join(tmpdir(), 'coord-e2e-multi-'));
  const cli = join(ROOT, 'dist', 'cli.js');
  mkdirSync(join(base, 'first'));
  writeFileSync(join(base, 'first', 'README.md'), '# no coordination directory here\n');
  for (const [folder, room] of [
    ['second', 'second-folder-room'],
    ['third', 'third-folder-room'],
  ]) {
    const dir = join(base, folder, 'coordination');
    const env = { ...process.env, CLAUDE_INSTANCE_ID: '' };
    execFileSync(process.execPath, [cli, 'init', dir], { env });
    execFileSync(process.execPath, [cli, '--dir', dir, '--as', 'instance-2', 'create-chatroom', room, 'x'], { env });
  }
  const file = join(base, 'multi.code-workspace');
  writeFileSync(
    file,
    JSON.stringify(
      {
        // Relative to the workspace file, as people write them (an empty window was blamed on this form
        // once; it was the workspace cache, see seedWorkspaceCache).
        folders: ['first', 'second', 'third'].map((f) => ({ path: f })),
        settings: { 'coordination.instanceId': 'instance-1' },
      },
      null,
      2,
    ),
  );
  return file;
}

/**
 * Writes VS Code's cached copy of a .code-workspace file before its window opens; returns the entry's path.
 *
 * VS Code 1.100's web workbench builds a multi-root window's folder list from this cache
 * (<user-data>/User/caches/CachedConfigurations/workspaces/<id>/workspace.json, on the server in
 * code-server) while it reads the file itself in parallel (WorkspaceService.createMultiFolderWorkspace,
 * WorkspaceConfiguration.waitAndInitialize). When the file's read finishes first, its update arrives
 * before the window's workspace exists and is dropped, and the workspace is then marked initialized with
 * the cache's folder list. For a file never opened with this user-data dir there is no cache, so that
 * list is empty and the window stays without folders (no error anywhere): one first opening in four
 * to two in three here, depending on the load. With the cache holding the file, the list is right
 * whichever read finishes first. (Loading the window again worked for the same reason: the first load
 * had written the cache.)
 *
 * The id is VS Code's getWorkspaceId(): its string hash of the workspace's URI, in hex (marked "DO NOT
 * CHANGE. IDENTIFIERS HAVE TO REMAIN STABLE" in src/vs/workbench/services/workspaces/browser/workspaces.ts).
 * `seededBy` is no field of VS Code's: its own rewrite of the entry drops it (see expectCacheEntryRead).
 */
function seedWorkspaceCache(userDataDir, port, file) {
  // VS Code's URI.toString() leaves these characters as they are; anything else it would encode.
  assert(/^[A-Za-z0-9/._-]+$/.test(file), `${file}: a workspace path with other characters needs URI encoding here`);
  const id = vscodeStringHash(`vscode-remote://127.0.0.1:${port}${file}`).toString(16);
  const entry = join(userDataDir, 'User', 'caches', 'CachedConfigurations', 'workspaces', id, 'workspace.json');
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(entry, JSON.stringify({ content: readFileSync(file, 'utf8'), seededBy: 'test/e2e/run.mjs' }));
  return entry;
}

/** VS Code's hash() of a string (stringHash in src/vs/base/common/hash.ts): a signed 32-bit integer. */
function vscodeStringHash(s) {
  const step = (value, hash) => ((hash << 5) - hash + value) | 0;
  let hash = step(149417, 0);
  for (let i = 0; i < s.length; i++) hash = step(s.charCodeAt(i), hash);
  return hash;
}

/**
 * VS Code rewrites a workspace's cache entry once it has read the file itself: proof that it looked up
 * the entry seedWorkspaceCache() wrote, so the window's folders did not depend on which read came first.
 */
async function expectCacheEntryRead(entry) {
  const dir = dirname(dirname(entry));
  await waitUntil(
    `VS Code to rewrite the workspace cache entry seeded at ${entry}`,
    () => !JSON.parse(readFileSync(entry, 'utf8')).seededBy || pending(`entries: ${readdirSync(dir).join(' ')}`),
    { timeout: 30_000 },
  ).catch((error) => {
    throw new AssertionError(
      `${error.message}: the seeded id is not the one this VS Code uses (see seedWorkspaceCache in test/e2e/run.mjs), so whether a multi-root window has its folders depends on a race again`,
    );
  });
}

/** The Explorer lists the .code-workspace file's folders, in order: the window is the one the test is about. */
async function expectWorkspaceFolders(wb, file) {
  const want = JSON.parse(readFileSync(file, 'utf8')).folders.map((f) => basename(f.path));
  await wb.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  const roots = wb.page.locator('.explorer-folders-view .monaco-list-row[aria-level="1"] .label-name');
  const empty = wb.page.getByText('You have not yet added a folder to the workspace');
  await waitUntil(
    `the Explorer to show the folders ${want.join(', ')} of ${file}`,
    async () => {
      const seen = (await roots.allTextContents()).map((t) => t.trim());
      if (seen.join('/') === want.join('/')) return true;
      if (seen.length) return pending(seen);
      return pending(
        (await empty.isVisible())
          ? 'an empty workspace (the Explorer says "You have not yet added a folder")'
          : 'no Explorer rows',
      );
    },
    { timeout: 30_000 },
  );
}

function writeWorkspaceSettings(ws) {
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    join(ws, '.vscode', 'settings.json'),
    JSON.stringify({ 'coordination.instanceId': 'instance-1', 'coordination.notifications.mentions': true }, null, 2),
  );
}

/** User settings for the throwaway profile: no welcome page, no tips, a fixed theme for screenshots. */
function writeUserSettings(userDataDir) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'workbench.tips.enabled': false,
        'workbench.colorTheme': 'Default Dark Modern',
        'workbench.editor.enablePreview': false,
        'security.workspace.trust.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'window.commandCenter': true,
        'chat.commandCenter.enabled': false,
        'workbench.layoutControl.enabled': false,
      },
      null,
      2,
    ),
  );
}

// ------------------------------------------------------------------ the suite

async function loadTests() {
  const files = readdirSync(SPECS)
    .filter((f) => f.endsWith('.spec.mjs'))
    .sort();
  const all = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(SPECS, f)).href);
    for (const t of mod.default) all.push({ ...t, file: f });
  }
  return all.map((t, i) => ({ ...t, index: i + 1 }));
}

const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
const pad = (n) => String(n).padStart(2, '0');

async function main() {
  const host = await import(pathToFileURL(join(ROOT, 'scripts', 'vscode-host.mjs')).href);
  for (const f of ['dist/extension.js', 'dist/webview.js', 'dist/cli.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run node scripts/build.mjs first`);
  }
  const tests = await loadTests();
  const only = tests.filter((t) => t.only);
  if (only.length && flag('forbid-only')) {
    for (const t of only) failures.push(`${pad(t.index)} ${t.name}: marked only: true (forbidden with --forbid-only)`);
    counts.failed += only.length;
    log(`only: true is forbidden here (--forbid-only): ${only.map((t) => t.name).join('; ')}`);
    return;
  }
  const pool = only.length ? only : tests;
  const selected = grep ? pool.filter((t) => t.name.toLowerCase().includes(grep.toLowerCase())) : pool;
  log(`${selected.length} of ${tests.length} tests selected; screenshots in ${relative(ROOT, OUT)}/`);

  const workspaces = {
    demo: await demoWorkspace(),
    legacy: host.prepareTestWorkspace(),
    multi: multiRootWorkspace(),
  };
  if (!flag('keep'))
    cleanups.push(() =>
      [dirname(workspaces.demo), workspaces.legacy, dirname(workspaces.multi)].forEach((ws) =>
        rmSync(ws, { recursive: true, force: true }),
      ),
    );
  else log(`keeping workspaces: ${Object.values(workspaces).join(' ')}`);

  const server = await host.startServer({ workspace: workspaces.demo, log: (l) => log(l) });
  cleanups.push(async () => {
    await server.stop();
    rmSync(server.tempDir, { recursive: true, force: true });
  });
  writeUserSettings(join(server.tempDir, 'user-data'));
  log(`code-server up`);

  const browser = await host.launchBrowser({ headless: !flag('headed') });
  cleanups.push(() => browser.close());
  const { page, context } = browser;
  await page.setViewportSize(VIEWPORT);
  context.setDefaultTimeout(15_000);

  // Every JavaScript dialog (alert/confirm/prompt) in the page or any frame is a failure.
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push({ type: d.type(), message: d.message() });
    log(`!! dialog (${d.type()}): ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  // Script errors in our webview and CSP violations in any frame fail the test that is running.
  const pageProblems = [];
  page.on('pageerror', (e) => {
    browserLog(`[pageerror] ${e.message}\n${e.stack ?? ''}`);
    if (/webview/i.test(`${e.stack ?? ''}`)) pageProblems.push(`script error in a webview: ${e.message}`);
  });
  page.on('console', (m) => {
    browserLog(`[console.${m.type()}] ${m.text()} (${m.location()?.url ?? ''})`);
    if (/Content Security Policy/i.test(m.text())) pageProblems.push(`CSP violation: ${m.text().slice(0, 200)}`);
  });

  let currentWorkspace = null;
  const open = async (which) => {
    if (currentWorkspace === which) return;
    const file = workspaces[which].endsWith('.code-workspace') ? workspaces[which] : null;
    let url = host.workbenchUrl({ port: server.port, workspace: workspaces[which], extensionDevelopmentPath: ROOT });
    // A .code-workspace file opens as a (multi-root) workspace, not as a folder.
    if (file) url = url.replace('/?folder=', '/?workspace=');
    const cacheEntry = file ? seedWorkspaceCache(join(server.tempDir, 'user-data'), server.port, file) : null;
    await page.goto(url);
    const wb = new Workbench({ page, root: ROOT, workspace: workspaces[which] });
    if (file) await expectWorkspaceFolders(wb, file);
    await wb.waitForWorkbench();
    if (file) await expectCacheEntryRead(cacheEntry);
    await wb.tidy();
    currentWorkspace = which;
    log(`workbench ready on the ${which} workspace`);
  };

  for (const test of selected) {
    const prefix = pad(test.index);
    const workspace = test.workspace ?? 'demo';
    if (test.skip) {
      counts.skipped++;
      counts.skips.push({ title: test.name, reason: typeof test.skip === 'string' ? test.skip : null });
      log(`- skip  ${prefix} ${test.name} (${test.skip})`);
      continue;
    }
    const t0 = Date.now();
    const shots = [];
    const wb = new Workbench({
      page,
      root: ROOT,
      workspace: workspaces[workspace],
      shot: async (name, opts = {}) => {
        const file = join(OUT, `${prefix}-${name}.png`);
        await page.screenshot({ path: file, ...opts });
        shots.push(relative(ROOT, file));
      },
    });
    wb.dialogs = dialogs;
    wb.pageProblems = pageProblems;
    wb.log = (l) => log(`      ${l}`);
    const dialogsBefore = dialogs.length;
    const problemsBefore = pageProblems.length;
    let error = null;
    try {
      await open(workspace);
      let timer;
      await Promise.race([
        test.run(wb),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`test timed out after ${(test.timeout ?? 60_000) / 1000} s`)),
            test.timeout ?? 60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (dialogs.length > dialogsBefore)
        throw new Error(`a dialog appeared: ${JSON.stringify(dialogs.slice(dialogsBefore))}`);
      if (pageProblems.length > problemsBefore) throw new Error(pageProblems.slice(problemsBefore).join('; '));
    } catch (e) {
      error = e;
    }
    const ms = Date.now() - t0;
    const finalShot = join(OUT, `${prefix}-${slug(test.name)}${error ? '.FAILED' : ''}.png`);
    await page.screenshot({ path: finalShot }).catch(() => {});
    shots.push(relative(ROOT, finalShot));
    if (error) {
      counts.failed++;
      failures.push(`${prefix} ${test.name}: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`);
      log(`✗ FAIL  ${prefix} ${test.name} (${ms} ms)`);
      for (const line of String(error instanceof Error ? (error.stack ?? error.message) : error)
        .split('\n')
        .slice(0, 8))
        log(`        ${line}`);
      log(`        screenshot: ${relative(ROOT, finalShot)}`);
      // Put the workbench back in a usable state for the next test.
      const wb2 = new Workbench({ page, root: ROOT, workspace: workspaces[workspace] });
      await wb2.closeQuickInput().catch(() => {});
      await page.keyboard.press('Escape').catch(() => {});
      await wb2.dismissNotifications().catch(() => {});
      if (flag('bail')) break;
    } else {
      counts.passed++;
      log(`✓ pass  ${prefix} ${test.name} (${ms} ms)`);
    }
    for (const s of shots.slice(0, -1)) log(`        ${s}`);
  }
}

let code = 0;
try {
  await main();
} catch (error) {
  log(`setup failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  counts.failed++;
}
await cleanup();
clearTimeout(watchdog);
if (counts.failed > 0) code = 1;
if (counts.passed + counts.failed === 0) {
  counts.failed = 1;
  code = 1;
}
writeCounts();
if (failures.length) {
  log('failed:');
  for (const f of failures) log(`  ✗ ${f}`);
}
log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${secs().trim()} s)`);
process.exit(code);
