#!/usr/bin/env node
// Bundles the shipped code with esbuild and compiles the tests with tsc.
//   dist/cli.js        the `coord` command (one file, starts fast)
//   dist/core.js       the library (`agent-coordination/core`)
//   dist/extension.js  the VS Code extension host module
//   dist/webview.js    the thread panel's browser script
//   dist/codicons/     the icon font the webview uses
//   out/               tests compiled by tsc (with --tests, the default unless --production)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync } from 'node:fs';
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
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
].filter((e) => existsSync(join(root, e.entryPoints[0])));

await Promise.all(entries.map((e) => build({ ...common, ...e })));
if (existsSync(join(root, 'dist/cli.js'))) chmodSync(join(root, 'dist/cli.js'), 0o755);

const codicons = join(root, 'node_modules/@vscode/codicons/dist');
mkdirSync(join(root, 'dist/codicons'), { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(root, 'dist/codicons', f));

if (!skipTests) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
  if (existsSync(join(root, 'src/webview/tsconfig.json'))) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'src/webview')], { stdio: 'inherit' });
  }
}
