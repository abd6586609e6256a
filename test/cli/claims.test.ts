/** `coord claim`, `release` and `claims` as real processes on real directories. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord, runCoordAsync, snapshotTree } from '../support/helpers';

const T0 = Date.parse('2030-06-01T12:00:00Z');
const at = (minutes: number) => ({ COORD_NOW: new Date(T0 + minutes * 60e3).toISOString() });

function ok(args: string[], as: string | undefined, dir: string, env: NodeJS.ProcessEnv = at(0)) {
  const r = runCoord(args, { dir, as, env });
  assert.strictEqual(r.code, 0, `coord ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function listed(dir: string, env: NodeJS.ProcessEnv = at(0)): Array<Record<string, unknown>> {
  return JSON.parse(ok(['claims', '--json'], undefined, dir, env).stdout);
}

describe('claims', function () {
  this.timeout(120000);

  it('claim names instance, pattern, kind, reason, creation and expiry; release takes it away', () => {
    const dir = freshDir();
    ok(
      ['claim', 'src/api/**', 'docs/README.md', '--exclusive', '--ttl', '90m', '--reason', 'API rework'],
      'instance-1',
      dir,
    );
    ok(['claim', 'test'], 'instance-2', dir);
    const all = listed(dir);
    assert.deepStrictEqual(
      all.map((c) => [c.instance, c.pattern, c.exclusive, c.reason]),
      [
        ['instance-1', 'src/api/**', true, 'API rework'],
        ['instance-1', 'docs/README.md', true, 'API rework'],
        ['instance-2', 'test', false, ''],
      ],
    );
    assert.strictEqual(all[0].created, new Date(T0).toISOString());
    assert.strictEqual(all[0].expires, new Date(T0 + 90 * 60e3).toISOString());
    const defaultTtl = all[2] as { created: string; expires: string };
    assert.strictEqual(Date.parse(defaultTtl.expires) - Date.parse(defaultTtl.created), 2 * 3600e3, 'default 2h');

    const mine = JSON.parse(ok(['claims', '--mine', '--json'], 'instance-2', dir).stdout);
    assert.deepStrictEqual(
      mine.map((c: { pattern: string }) => c.pattern),
      ['test'],
    );
    const text = ok(['claims'], undefined, dir).stdout;
    assert.match(text, /instance-1 +src\/api\/\*\* +exclusive +1h 30m left +API rework/);

    ok(['release', 'docs/README.md'], 'instance-1', dir);
    assert.deepStrictEqual(
      listed(dir).map((c) => c.pattern),
      ['src/api/**', 'test'],
    );
    ok(['release', '--all'], 'instance-1', dir);
    assert.deepStrictEqual(
      listed(dir).map((c) => c.pattern),
      ['test'],
    );
    // Claiming again renews: one record, new expiry.
    ok(['claim', 'test', '--ttl', '10m'], 'instance-2', dir, at(5));
    const renewed = listed(dir, at(5));
    assert.strictEqual(renewed.length, 1);
    assert.strictEqual(renewed[0].expires, new Date(T0 + 15 * 60e3).toISOString());
  });

  it('relative paths are taken from the working directory inside the repository', () => {
    const dir = freshDir();
    const repo = path.dirname(dir);
    fs.mkdirSync(path.join(repo, 'src', 'core'), { recursive: true });
    const r = runCoord(['claim', 'a.ts', '../b.ts'], {
      dir,
      as: 'i1',
      cwd: path.join(repo, 'src', 'core'),
      env: at(0),
    });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(
      listed(dir).map((c) => c.pattern),
      ['src/core/a.ts', 'src/b.ts'],
    );
  });

  it('expired claims vanish from the list, stop blocking, and are dropped on the next write', () => {
    const dir = freshDir();
    ok(['claim', 'src/**', '--exclusive', '--ttl', '30m'], 'instance-1', dir, at(0));
    assert.strictEqual(listed(dir, at(29)).length, 1);
    assert.strictEqual(runCoord(['claim', 'src/a.ts'], { dir, as: 'instance-2', env: at(29) }).code, 1);
    assert.strictEqual(listed(dir, at(31)).length, 0);
    assert.match(ok(['claims'], undefined, dir, at(31)).stdout, /No claims in force/);
    ok(['claim', 'src/a.ts', '--exclusive'], 'instance-2', dir, at(31));
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'claims.json'), 'utf8'));
    assert.deepStrictEqual(
      stored.claims.map((c: { instance: string }) => c.instance),
      ['instance-2'],
      'the expired record is gone from the file',
    );
    // Release of an expired claim: nothing is held any more.
    const r = runCoord(['release', 'src/**'], { dir, as: 'instance-1', env: at(31) });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /hold no claim on src\/\*\*/);
  });

  it('a forced conflict needs the holder and the human (with the file to open) until release or expiry', () => {
    const dir = freshDir();
    ok(['register-human', 'alice'], 'alice', dir);
    ok(['update-status', 'idle'], 'bystander', dir);
    ok(['claim', 'src/api/x.ts', '--exclusive', '--ttl', '1h'], 'instance-1', dir);
    ok(['claim', 'src/api/**', '--force'], 'instance-2', dir, at(1));
    const queue = (as: string, env = at(2)) => JSON.parse(ok(['needs-you', '--json'], as, dir, env).stdout);
    const [entry, ...rest] = queue('alice');
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(entry.kind, 'claim-conflict');
    assert.strictEqual(
      entry.title,
      'Claim conflict: instance-1 holds exclusive src/api/x.ts; instance-2 claimed shared src/api/** over it',
    );
    assert.strictEqual(entry.file, 'src/api/x.ts');
    assert.deepStrictEqual(entry.actions, ['reply', 'open-file']);
    assert.deepStrictEqual(
      [entry.conflict.holder.instance, entry.conflict.forcer.instance],
      ['instance-1', 'instance-2'],
    );
    assert.deepStrictEqual(
      ['instance-1', 'instance-2', 'bystander'].map((as) => queue(as).map((e: { target: string }) => e.target)),
      [['@instance-2'], [], []],
      'the holder it was forced over (pointed at who forced it), not the one who forced it, nobody else',
    );
    const text = ok(['needs-you'], 'alice', dir, at(2)).stdout;
    assert.match(
      text,
      /^Needs you \(1\):\n {2}Claim conflict: instance-1 holds exclusive src\/api\/x\.ts; .* file: src\/api\/x\.ts$/m,
    );
    // Gone when the older claim expires, and when the forced one is released.
    assert.deepStrictEqual(queue('alice', at(61)), []);
    ok(['release', 'src/api/**'], 'instance-2', dir, at(3));
    assert.deepStrictEqual(queue('alice', at(3)), []);
    assert.match(ok(['needs-you'], 'alice', dir, at(3)).stdout, /Nothing needs you/);
  });

  const RULES: Array<{ held: string[]; held2?: string; asked: string[]; refused: boolean; why: string }> = [
    { held: ['src/**', '--exclusive'], asked: ['src/a.ts'], refused: true, why: 'file inside an exclusive glob' },
    { held: ['src/**', '--exclusive'], asked: ['**/*.ts'], refused: true, why: 'glob crossing an exclusive glob' },
    {
      held: ['src/core', '--exclusive'],
      asked: ['src/core/x/y.ts'],
      refused: true,
      why: 'file inside an exclusive folder',
    },
    { held: ['src/*.ts', '--exclusive'], asked: ['src/*.md'], refused: false, why: 'disjoint extensions' },
    { held: ['src/**', '--exclusive'], asked: ['docs/**', 'srcx/a.ts'], refused: false, why: 'other folders' },
    { held: ['src/**'], asked: ['src/a.ts'], refused: false, why: 'shared and shared' },
    { held: ['src/**'], asked: ['src/a.ts', '--exclusive'], refused: true, why: 'exclusive over a shared claim' },
  ];
  for (const rule of RULES) {
    it(`overlap: ${rule.why} is ${rule.refused ? 'refused' : 'allowed'}`, () => {
      const dir = freshDir();
      ok(['claim', ...rule.held], 'holder', dir);
      const before = snapshotTree(dir);
      const r = runCoord(['claim', ...rule.asked], { dir, as: 'asker', env: at(0) });
      if (rule.refused) {
        assert.strictEqual(r.code, 1, r.stderr);
        assert.strictEqual(r.stdout, '');
        assert.match(
          r.stderr,
          /^coord: error: cannot claim \S+: holder holds \S+( exclusively)? until \d\d:\d\d \(2h 00m left\).*--force/,
        );
        assert.strictEqual(r.stderr.trim().split('\n').length, 1, 'one line');
        assert.deepStrictEqual(snapshotTree(dir), before, 'nothing changed');
      } else {
        assert.strictEqual(r.code, 0, r.stderr);
      }
    });
  }

  it('an instance never conflicts with itself', () => {
    const dir = freshDir();
    ok(['claim', 'src/**', '--exclusive'], 'me', dir);
    ok(['claim', 'src/a.ts', '--exclusive'], 'me', dir);
  });

  it('--force claims anyway and records the conflict where everyone sees it', () => {
    const dir = freshDir();
    ok(['claim', 'src/**', '--exclusive', '--reason', 'big refactor'], 'instance-1', dir);
    const r = ok(['claim', 'src/a.ts', 'docs/x.md', '--force', '--json'], 'instance-2', dir);
    const result = JSON.parse(r.stdout);
    assert.deepStrictEqual(
      result.conflicts.map((c: { holder: string; pattern: string }) => [c.holder, c.pattern]),
      [['instance-1', 'src/**']],
    );
    const all = listed(dir) as Array<{ id: string; pattern: string; conflictsWith: string[]; forcedOver?: unknown[] }>;
    const theirs = all.find((c) => c.pattern === 'src/**')!;
    const forced = all.find((c) => c.pattern === 'src/a.ts')!;
    assert.deepStrictEqual(theirs.conflictsWith, [forced.id]);
    assert.deepStrictEqual(forced.conflictsWith, [theirs.id]);
    assert.strictEqual(forced.forcedOver?.length, 1);
    assert.deepStrictEqual(all.find((c) => c.pattern === 'docs/x.md')!.conflictsWith, []);
    assert.match(ok(['claims'], undefined, dir).stdout, /src\/a\.ts .*CONFLICT with instance-1 \(src\/\*\*\)/);
    const log = fs.readFileSync(path.join(dir, 'data', 'action-log.txt'), 'utf8');
    assert.match(log, /instance-2 \| CLAIM_CONFLICT \| forced claim on src\/a\.ts over src\/\*\* held by instance-1\n/);
  });

  const BAD: Array<{ name: string; args: string[]; as?: string; code: number; error: RegExp }> = [
    {
      name: 'a path escaping the repository',
      args: ['claim', '../outside.ts'],
      as: 'i1',
      code: 1,
      error: /outside the repository/,
    },
    {
      name: 'an absolute path elsewhere',
      args: ['claim', '/etc/passwd'],
      as: 'i1',
      code: 1,
      error: /outside the repository/,
    },
    { name: 'an empty glob', args: ['claim', '  '], as: 'i1', code: 1, error: /empty path or glob/ },
    {
      name: 'a path with a terminal escape',
      args: ['claim', 'src/\u001b[31mred'],
      as: 'i1',
      code: 1,
      error: /control character/,
    },
    {
      name: 'a reason with a terminal escape',
      args: ['claim', 'a', '--reason', 'x\u001b[2J'],
      as: 'i1',
      code: 1,
      error: /--reason contains a control character/,
    },
    { name: 'a negated glob', args: ['claim', '!src/**'], as: 'i1', code: 1, error: /negated glob/ },
    { name: 'TTL 0', args: ['claim', 'a', '--ttl', '0'], as: 'i1', code: 2, error: /--ttl '0' is zero/ },
    { name: 'an absurd TTL', args: ['claim', 'a', '--ttl', '400d'], as: 'i1', code: 2, error: /longer than 7 days/ },
    { name: 'a TTL without unit', args: ['claim', 'a', '--ttl', 'soon'], as: 'i1', code: 2, error: /not a duration/ },
    { name: 'no identity', args: ['claim', 'a'], code: 1, error: /no identity/ },
    { name: 'an unknown instance', args: ['claims', '--holder', 'ghost'], code: 1, error: /unknown instance 'ghost'/ },
    { name: 'an invalid instance', args: ['claim', 'a'], as: '../x', code: 1, error: /invalid instance id/ },
    {
      name: 'release of nothing held',
      args: ['release', 'src/x'],
      as: 'i1',
      code: 1,
      error: /hold no claim on src\/x/,
    },
    { name: 'release with paths and --all', args: ['release', 'a', '--all'], as: 'i1', code: 2, error: /not both/ },
    { name: 'release with nothing', args: ['release'], as: 'i1', code: 2, error: /paths you claimed, or --all/ },
    {
      name: 'release --all by an instance never seen',
      args: ['release', '--all'],
      as: 'ghost',
      code: 1,
      error: /unknown instance 'ghost': known instances are @i1/,
    },
    {
      name: 'an empty brace group',
      args: ['claim', '{}'],
      as: 'i1',
      code: 1,
      error: /'\{\}' has an empty brace group/,
    },
    {
      name: 'an empty alternative',
      args: ['claim', 'src/{,api}/x'],
      as: 'i1',
      code: 1,
      error: /empty alternative/,
    },
    {
      name: 'three stars in a row',
      args: ['claim', 'src/***'],
      as: 'i1',
      code: 1,
      error: /'src\/\*\*\*' has three or more stars in a row; use \*\*/,
    },
    {
      name: 'a glob inside the coordination directory',
      args: ['claim', 'coordination/**'],
      as: 'i1',
      code: 1,
      error: /'coordination\/\*\*' lies inside the coordination directory \(coordination\/\)/,
    },
    {
      name: 'the coordination directory itself, among alternatives',
      args: ['claim', '{src,coordination}'],
      as: 'i1',
      code: 1,
      error: /inside the coordination directory/,
    },
  ];
  for (const bad of BAD) {
    it(`bad input: ${bad.name} gets one clear line and changes nothing`, () => {
      const dir = freshDir();
      ok(['claim', 'kept/**'], 'i1', dir);
      const before = snapshotTree(dir);
      const r = runCoord(bad.args, { dir, as: bad.as, env: at(0) });
      assert.strictEqual(r.code, bad.code, r.stderr);
      assert.match(r.stderr, /^coord: error: /);
      assert.match(r.stderr, bad.error);
      assert.strictEqual(r.stderr.trim().split('\n').length, 1);
      assert.deepStrictEqual(snapshotTree(dir), before);
    });
  }

  it('a damaged claims file is reported, not overwritten', () => {
    const dir = freshDir();
    const file = path.join(dir, 'data', 'claims.json');
    fs.writeFileSync(file, '{"claims": [', { mode: 0o600 });
    const r = runCoord(['claim', 'a'], { dir, as: 'i1' });
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /claims\.json is not valid JSON .*delete it/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), '{"claims": [');
  });

  it('a claims file that is a symbolic link is neither read nor written through', () => {
    const dir = freshDir();
    const outside = path.join(path.dirname(dir), 'outside.json');
    const secret = JSON.stringify({
      claims: [
        {
          id: 'x',
          instance: 'evil',
          pattern: '**',
          exclusive: true,
          created: '2020-01-01T00:00:00Z',
          expires: '2999-01-01T00:00:00Z',
        },
      ],
    });
    fs.writeFileSync(outside, secret);
    fs.symlinkSync(outside, path.join(dir, 'data', 'claims.json'));
    assert.match(ok(['claims'], undefined, dir, {}).stdout, /No claims in force/);
    const r = runCoord(['claim', 'src/**'], { dir, as: 'i1' });
    assert.strictEqual(r.code, 3, r.stderr);
    assert.match(r.stderr, /^coord: error: cannot write .*claims\.json: .*symbolic link/);
    assert.strictEqual(fs.readFileSync(outside, 'utf8'), secret);
    assert.ok(fs.lstatSync(path.join(dir, 'data', 'claims.json')).isSymbolicLink());
    assert.ok(!fs.existsSync(path.join(dir, 'read-status', 'i1.txt')), 'the failed write registered nobody');
  });

  it('two processes racing for the same exclusive path: exactly one wins, every time', async () => {
    const dir = freshDir();
    for (let round = 0; round < 12; round++) {
      const target = `race/${round}.ts`;
      const [a, b] = await Promise.all([
        runCoordAsync(['claim', target, '--exclusive'], { dir, as: 'racer-a' }),
        runCoordAsync(['claim', target, '--exclusive'], { dir, as: 'racer-b' }),
      ]);
      const winners = [a, b].filter((r) => r.code === 0);
      assert.strictEqual(winners.length, 1, `round ${round}: ${a.code}/${b.code} ${a.stderr}${b.stderr}`);
      const loser = a.code === 0 ? b : a;
      assert.strictEqual(loser.code, 1);
      assert.match(loser.stderr, /cannot claim race\/\d+\.ts: racer-[ab] holds/);
      const holders = listed(dir, {}).filter((c) => c.pattern === target);
      assert.strictEqual(holders.length, 1);
    }
  });

  it('several processes claiming different paths at once: none is lost', async () => {
    const dir = freshDir();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runCoordAsync(['claim', `part/${i}/**`], { dir, as: `worker-${i}` })),
    );
    for (const r of results) assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(
      listed(dir, {})
        .map((c) => c.pattern)
        .sort(),
      Array.from({ length: 6 }, (_, i) => `part/${i}/**`),
    );
  });
});
