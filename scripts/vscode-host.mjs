#!/usr/bin/env node
// A real VS Code (code-server 4.100.3 = VS Code 1.100) driven by Debian's
// Chromium through playwright-core, with no internet (see VSCODE_HOST.md).
//
//   node scripts/vscode-host.mjs test
//       Runs the integration suite (out/test/integration/index.js) inside
//       VS Code's extension host on a temporary workspace holding a copy of
//       ../shared/legacy-sample as coordination/. Streams the extension host's
//       console, writes {"passed","failed","skipped"} to $COORD_COUNTS_FILE,
//       exits non-zero on any failure or after the time cap.
//   node scripts/vscode-host.mjs serve --workspace DIR [--port P]
//       Starts code-server with this extension under development, prints the
//       URL and stays up until Ctrl-C.
//
// Importing this module has no side effects: it exports startServer(),
// workbenchUrl(), launchBrowser(), prepareTestWorkspace() and runIntegrationTests().
import { spawn, execFileSync } from 'node:child_process';
import {
  cpSync,
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_DIR = resolve(ROOT, '..', 'shared', 'legacy-sample');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TEST_TIMEOUT_MS = Number(process.env.COORD_HOST_TIMEOUT_MS || 6 * 60 * 1000);

/** The code-server entry point, installing it (once, ~2 min) when missing. */
export function codeServerEntry() {
  const script = join(ROOT, 'scripts', 'setup-host.sh');
  const entry = execFileSync('bash', [script, 'path'], { encoding: 'utf8' }).trim();
  if (!existsSync(entry)) execFileSync('bash', [script, 'code-server'], { stdio: 'inherit' });
  if (!existsSync(entry)) throw new Error(`code-server is not installed at ${entry}; run: bash scripts/setup-host.sh`);
  return entry;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitForHttp(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it listened`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`code-server did not answer at ${url} within ${ms} ms`);
}

/**
 * Starts code-server on 127.0.0.1 with a temporary user-data and extensions
 * dir. Returns { port, url, baseUrl, child, tempDir, logFile, stop() }.
 * `url` opens `workspace` with this repo as the extension under development.
 */
export async function startServer({
  workspace,
  port,
  extensionDevelopmentPath = ROOT,
  extensionTestsPath,
  log = () => {},
} = {}) {
  if (!workspace) throw new Error('startServer: workspace is required');
  const entry = codeServerEntry();
  const chosenPort = port ?? (await freePort());
  const tempDir = mkdtempSync(join(tmpdir(), 'coord-host-'));
  const logFile = join(tempDir, 'code-server.log');
  const out = createWriteStream(logFile);
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.VSCODE_IPC_HOOK_CLI;
  const child = spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${chosenPort}`,
      '--user-data-dir',
      join(tempDir, 'user-data'),
      '--extensions-dir',
      join(tempDir, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        r();
      }, 3000);
      child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
    out.end();
  };
  const baseUrl = `http://127.0.0.1:${chosenPort}`;
  log(`code-server starting on ${baseUrl} (log: ${logFile})`);
  await waitForHttp(`${baseUrl}/healthz`, 60_000, child);
  const url = workbenchUrl({ port: chosenPort, workspace, extensionDevelopmentPath, extensionTestsPath });
  return { port: chosenPort, url, baseUrl, child, tempDir, logFile, stop };
}

/** The workbench URL with launch options in `payload`, as the desktop CLI would pass them. */
export function workbenchUrl({ port, workspace, extensionDevelopmentPath = ROOT, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Headless Chromium (Debian's) through playwright-core, with its own profile. Returns { context, page, close() }. */
export async function launchBrowser({ headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'coord-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

function makeWritable(p) {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o700 : 0o600);
  if (st.isDirectory()) for (const e of readdirSync(p)) makeWritable(join(p, e));
}

/** A temporary workspace: coordination/ (a copy of the legacy sample) and .vscode/settings.json. */
export function prepareTestWorkspace() {
  const ws = mkdtempSync(join(tmpdir(), 'coord-ws-'));
  const dir = join(ws, 'coordination');
  cpSync(SAMPLE_DIR, dir, { recursive: true });
  makeWritable(dir);
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    join(ws, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'coordination.instanceId': 'instance-1',
        'coordination.notifications.mentions': true,
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(ws, 'README.md'), '# Agent Coordination integration test workspace\n');
  return ws;
}

/** Runs the integration suite in a real VS Code; resolves to { counts, code }. */
export async function runIntegrationTests({ stdout = process.stdout } = {}) {
  const print = (line) => stdout.write(`${line}\n`);
  const testsPath = join(ROOT, 'out', 'test', 'integration', 'index.js');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run node scripts/build.mjs first`);
  if (!existsSync(join(ROOT, 'dist', 'extension.js')))
    throw new Error('dist/extension.js is missing: run node scripts/build.mjs first');
  const workspace = prepareTestWorkspace();
  print(`[host] workspace ${workspace}`);
  const started = Date.now();
  let server;
  let browser;
  let counts = null;
  let exitCode = null;
  let timer;
  try {
    server = await startServer({ workspace, extensionTestsPath: testsPath, log: (l) => print(`[host] ${l}`) });
    print(`[host] code-server up in ${Date.now() - started} ms`);
    browser = await launchBrowser();
    const done = new Promise((resolveDone) => {
      browser.page.exposeFunction('codeAutomationLog', (type, args) => {
        const parts = Array.isArray(args) ? args : [args];
        // The extension host forwards console.log's arguments (format string first).
        const text = format(...parts);
        for (const line of text.split('\n')) {
          const m = /COORD_RESULT\s+(\{.*\})/.exec(line);
          if (m) {
            try {
              counts = JSON.parse(m[1]);
            } catch {
              /* keep looking */
            }
          }
          print(line);
        }
      });
      browser.page.exposeFunction('codeAutomationExit', (code) => {
        exitCode = Number(code);
        resolveDone('exit');
      });
      timer = setTimeout(() => resolveDone('timeout'), TEST_TIMEOUT_MS);
    });
    browser.page.on('pageerror', (e) => print(`[page error] ${e.message}`));
    // Errors in webviews (nested frames) show here; the workbench's own console is mostly marketplace noise.
    browser.page.on('console', (msg) => {
      if (
        msg.type() === 'error' &&
        msg.location()?.url?.includes('vscode-cdn') === false &&
        /webview|Content Security|Refused/i.test(msg.text())
      )
        print(`[browser] ${msg.text()}`);
    });
    await browser.page.goto(server.url);
    const how = await done;
    if (how === 'timeout') print(`[host] timed out after ${TEST_TIMEOUT_MS / 1000} s`);
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close();
    if (server) {
      if (counts === null || (counts && counts.failed > 0) || exitCode !== 0) {
        try {
          const tail = readFileSync(server.logFile, 'utf8').trim().split('\n').slice(-30);
          print('[host] code-server log (last lines):');
          for (const l of tail) print(`  ${l}`);
        } catch {
          /* no log */
        }
      }
      await server.stop();
      rmSync(server.tempDir, { recursive: true, force: true });
    }
    rmSync(workspace, { recursive: true, force: true });
  }
  const result = counts ?? { passed: 0, failed: 1, skipped: 0 };
  if (counts && exitCode !== 0 && result.failed === 0) result.failed = 1;
  print(
    `[host] ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped; exit code ${exitCode}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { counts: result, code: counts && exitCode === 0 && result.failed === 0 ? 0 : 1 };
}

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      out[k] = v ?? argv[++i];
    } else out._.push(a);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mode = args._[0];
  if (mode === 'test') {
    let code = 1;
    let counts = { passed: 0, failed: 1, skipped: 0 };
    try {
      ({ code, counts } = await runIntegrationTests());
    } catch (error) {
      console.error(`[host] ${error instanceof Error ? error.message : error}`);
    }
    if (process.env.COORD_COUNTS_FILE) {
      mkdirSync(dirname(process.env.COORD_COUNTS_FILE), { recursive: true });
      writeFileSync(process.env.COORD_COUNTS_FILE, JSON.stringify(counts));
    }
    process.exit(code);
  } else if (mode === 'serve') {
    if (!args.workspace) {
      console.error('usage: node scripts/vscode-host.mjs serve --workspace DIR [--port P]');
      process.exit(2);
    }
    const server = await startServer({
      workspace: resolve(args.workspace),
      port: args.port ? Number(args.port) : undefined,
      log: (l) => console.log(l),
    });
    console.log(server.url);
    const shutdown = async () => {
      await server.stop();
      rmSync(server.tempDir, { recursive: true, force: true });
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    server.child.on('exit', (code) => {
      console.error(`code-server exited (${code}); log: ${server.logFile}`);
      process.exit(1);
    });
  } else {
    console.error('usage: node scripts/vscode-host.mjs test | serve --workspace DIR [--port P]');
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
