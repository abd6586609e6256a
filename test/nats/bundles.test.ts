/**
 * The NATS client is loaded only when a server is configured: it lives in
 * dist/nats.js, and the CLI, library and extension bundles do not contain it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/helpers';

describe('bundles: the NATS client is a lazily loaded bundle of its own', () => {
  const dist = (f: string) => path.join(REPO_ROOT, 'dist', f);

  it('dist/nats.js holds the client; cli, core and extension do not', () => {
    assert.match(fs.readFileSync(dist('nats.js'), 'utf8'), /\$JS\.API/);
    for (const f of ['cli-main.js', 'core.js', 'extension.js']) {
      const text = fs.readFileSync(dist(f), 'utf8');
      assert.doesNotMatch(text, /\$JS\.API|@nats-io/, `${f} bundles the NATS client`);
      // dist/nats.js, which holds the client, is about 1 MB: a bundle past this limit has taken in something as big.
      assert.ok(text.length < 800_000, `${f} is ${text.length} bytes`);
    }
  });
});
