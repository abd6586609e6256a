#!/usr/bin/env node
// `npm start`: set up what is missing, build, seed a demo coordination
// directory, keep a simulator posting through the CLI, and serve VS Code in
// the browser with the extension loaded. Ctrl-C stops everything it started.
//   npm start [-- --port 8080] [--no-simulator] [--keep] [--nats]   (--keep: reuse an existing demo/;
//   --nats: the agents talk through a local NATS JetStream server, see scripts/nats/demo.mjs)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_SERVER, startNatsDemo } from './nats/demo.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const port = args.includes('--port') ? args[args.indexOf('--port') + 1] : '8080';
const workspace = join(root, 'demo');
const coordDir = join(workspace, 'coordination');

function step(title, command, argv, opts = {}) {
  console.log(`\n> ${title}`);
  const r = spawnSync(command, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`npm start: ${title} failed (exit ${r.status})`);
    process.exit(1);
  }
}

step('installing the code-server host if missing (once, about a minute)', 'bash', [
  'scripts/setup-host.sh',
  'code-server',
]);
if (!existsSync(join(root, 'node_modules'))) step('installing dependencies', 'npm', ['ci', '--no-audit', '--no-fund']);
step('building', process.execPath, ['scripts/build.mjs', '--no-tests']);
if (!(args.includes('--keep') && existsSync(coordDir))) {
  step('seeding the demo directory (four agents building OAuth login)', process.execPath, [
    'scripts/demo/seed.mjs',
    coordDir,
  ]);
}

// You watch the demo as instance-1, the agent coordinating the others.
mkdirSync(join(workspace, '.vscode'), { recursive: true });
writeFileSync(
  join(workspace, '.vscode', 'settings.json'),
  JSON.stringify(
    {
      'coordination.instanceId': 'instance-1',
      'workbench.startupEditor': 'none',
      'git.openRepositoryInParentFolders': 'never',
    },
    null,
    2,
  ) + '\n',
);

const children = [];
const nats = args.includes('--nats');
if (nats) children.push(...(await startNatsDemo({ root, coordDir, keep: args.includes('--keep') })));
const serve = spawn(process.execPath, ['scripts/vscode-host.mjs', 'serve', '--workspace', workspace, '--port', port], {
  cwd: root,
  stdio: 'inherit',
});
children.push(serve);
if (!args.includes('--no-simulator')) {
  const where = nats ? ['--server', DEMO_SERVER] : [];
  const sim = spawn(process.execPath, ['scripts/demo/simulate.mjs', coordDir, '--every', '8', ...where], {
    cwd: root,
    stdio: 'inherit',
  });
  children.push(sim);
  console.log(`\n> simulator: an agent posts through \`coord\` every 8 seconds${nats ? ` to ${DEMO_SERVER}` : ''}`);
}
console.log(
  `\nCLI in the demo:  node dist/cli.js ${nats ? `--server ${DEMO_SERVER}` : `--dir ${coordDir}`} --as instance-1 check-unread\nCtrl-C stops everything.\n`,
);

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 1500).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
serve.on('exit', (code) => {
  if (!stopping) {
    console.error(`npm start: the VS Code host exited (${code})`);
    stop();
  }
});
