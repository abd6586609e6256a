#!/usr/bin/env node
// Runs the integration suite in a downloaded desktop VS Code with
// @vscode/test-electron (needs internet; on machines without it use
// `node scripts/vscode-host.mjs test`, which runs the same suite in code-server).
//   node scripts/build.mjs && node scripts/test-electron.mjs
import { runTests } from '@vscode/test-electron';
import { cpSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sample = resolve(root, '..', 'shared', 'legacy-sample');

function makeWritable(p) {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o700 : 0o600);
  if (st.isDirectory()) for (const e of readdirSync(p)) makeWritable(join(p, e));
}

const workspace = mkdtempSync(join(tmpdir(), 'coord-electron-ws-'));
cpSync(sample, join(workspace, 'coordination'), { recursive: true });
makeWritable(join(workspace, 'coordination'));
mkdirSync(join(workspace, '.vscode'));
writeFileSync(
  join(workspace, '.vscode', 'settings.json'),
  JSON.stringify({ 'coordination.instanceId': 'instance-1', 'coordination.notifications.mentions': true }, null, 2),
);

const env = { ...process.env };
delete env.CLAUDE_INSTANCE_ID;
let code = 0;
try {
  await runTests({
    version: process.env.VSCODE_VERSION || '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
    extensionTestsEnv: env,
  });
} catch (error) {
  console.error(`integration tests failed: ${error instanceof Error ? error.message : error}`);
  code = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
process.exit(code);
