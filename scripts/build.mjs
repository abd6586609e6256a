#!/usr/bin/env node
// Bundles the shipped code with esbuild and compiles the tests with tsc.
//   dist/cli.js        the `coord` command (one file, starts fast)
//   dist/core.js       the library (`agent-coordination/core`)
//   dist/mcp.js        the MCP server `coord mcp` loads
//   dist/hook.js       the hooks' fast "nothing new" check, tried first by dist/cli.js
//   dist/indexWorker.js the text half of building the search index of a big directory (a worker)
//   dist/extension.js  the VS Code extension host module
//   dist/webview.js    the thread panel's browser script
//   dist/codicons/     the icon font the webview uses
//   out/               tests compiled by tsc (with --tests, the default unless --production)
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const skipTests = production || process.argv.includes('--no-tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.js' },
  { entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  // The MCP server (and its SDK) load only for `coord mcp`, keeping every other command's start fast.
  { entryPoints: ['src/mcp/mcpServer.ts'], outfile: 'dist/mcp.js' },
  // The hook's no-news answer, tried by dist/cli.js before it loads the CLI (see hookFastPath.ts).
  { entryPoints: ['src/core/agents/hookFastPath.ts'], outfile: 'dist/hook.js' },
  // The NATS backend, loaded lazily by core/backend/openBackend.ts only when a server is configured.
  { entryPoints: ['src/core/nats/openNats.ts'], outfile: 'dist/nats.js' },
  // The text half of a big directory scan, run in a worker by core/search/indexBuilder.ts.
  { entryPoints: ['src/core/search/indexWorker.ts'], outfile: 'dist/indexWorker.js' },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  {
    entryPoints: ['src/webview/threadPage.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter((e) => existsSync(join(root, e.entryPoints[0])));

await Promise.all(entries.map((e) => build({ ...common, ...e })));
writeCliLauncher();

const codicons = join(root, 'node_modules/@vscode/codicons/dist');
mkdirSync(join(root, 'dist/codicons'), { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(root, 'dist/codicons', f));

// Type declarations for the library (`agent-coordination/core`).
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')],
  { stdio: 'inherit' },
);

if (!skipTests) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
  if (existsSync(join(root, 'src/webview/tsconfig.json'))) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'src/webview')], {
      stdio: 'inherit',
    });
  }
}

/**
 * dist/cli.js loads the bundle through a V8 code cache (dist/cli-main.js.cache,
 * made here after one warm run), which saves compiling ~300 KB on every start.
 * A cache from another Node version is rejected by V8 and simply not used.
 */
function writeCliLauncher() {
  const launcher = `#!/usr/bin/env node
'use strict';
if (process.argv.includes('hook')) {
  try {
    if (require('./hook.js').quietHook(process.argv.slice(2), process.env)) return;
  } catch {}
}
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const file = path.join(__dirname, 'cli-main.js');
let cachedData;
try { cachedData = fs.readFileSync(file + '.cache'); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, __dirname);
const done = mod.exports.run();
if (process.env.COORD_WRITE_CODE_CACHE) done.then(() => fs.writeFileSync(file + '.cache', script.createCachedData()));
`;
  writeFileSync(join(root, 'dist/cli.js'), launcher, { mode: 0o755 });
  chmodSync(join(root, 'dist/cli.js'), 0o755);
  rmSync(join(root, 'dist/cli-main.js.cache'), { force: true });
  const warm = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'help'], {
    env: { ...process.env, COORD_WRITE_CODE_CACHE: '1' },
    stdio: 'ignore',
  });
  if (warm.status !== 0)
    console.warn('build: could not warm the CLI code cache (the CLI still works, just compiles on start)');
}
