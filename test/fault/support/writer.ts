/**
 * A chaos writer: sends messages through the shipped library (dist/core.js)
 * as fast as it can and prints one JSON line per acknowledged message, so the
 * test knows exactly what was promised before the process was SIGKILLed.
 *   node writer.js DIR INSTANCE PEER COUNT
 * Messages go to #general, #ops, @PEER (inbox) and as DMs to PEER, in turn.
 */
import * as fs from 'fs';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

const core = require(path.join(REPO_ROOT, 'dist', 'core.js')) as typeof import('../../../src/core');

async function main(): Promise<void> {
  const [dir, instance, peer, countText] = process.argv.slice(2);
  const count = Number(countText);
  const c = core.openCoordination({ dir, instance });
  fs.writeSync(1, JSON.stringify({ ready: process.pid }) + '\n');
  for (let i = 0; i < count; i++) {
    const text = `chaos ${instance} ${process.pid} ${i} line-one\nline-two \u001b[31mred\u001b[0m`;
    const kind = i % 4;
    const m =
      kind === 0
        ? await c.send('#general', text)
        : kind === 1
          ? await c.send('#ops', text)
          : kind === 2
            ? await c.send(`@${peer}`, text)
            : await c.sendDm(peer, text);
    fs.writeSync(1, JSON.stringify({ number: m.number, id: m.id, text: m.text, target: m.target }) + '\n');
  }
}

main().catch((error) => {
  fs.writeSync(2, `writer failed: ${(error as Error).message}\n`);
  process.exit(1);
});
