/** What a claim pattern covers, and when two patterns overlap (the pure rules under claims and the guard). */
import * as assert from 'assert';
import { guardViolations, patternCovers, patternsOverlap, parseClaimTtl, isCoordError } from '../../src/core';
import type { Claim } from '../../src/core';

describe('claim patterns', () => {
  it('a plain path covers itself and everything below it; a glob covers what it matches and below', () => {
    assert.ok(patternCovers('src/core', 'src/core'));
    assert.ok(patternCovers('src/core', 'src/core/a/b.ts'));
    assert.ok(!patternCovers('src/core', 'src/corex/a.ts'));
    assert.ok(patternCovers('src/*.ts', 'src/a.ts'));
    assert.ok(!patternCovers('src/*.ts', 'src/x/a.ts'));
    assert.ok(patternCovers('**/*.md', 'docs/deep/README.md'));
    assert.ok(patternCovers('src/**', 'src/.hidden/x'));
    assert.ok(patternCovers('src/*', 'src/lib/deep/file.ts'), 'a glob matching a folder covers its contents');
  });

  const OVERLAP: Array<[string, string, boolean]> = [
    ['src/**', 'src/a.ts', true],
    ['src/**', 'src/*.ts', true],
    ['src/**', '**/*.ts', true],
    ['src/**', 'src', true],
    ['src', 'src/deep/x.ts', true],
    ['src/**', 'docs/**', false],
    ['src/**', 'srcx/a.ts', false],
    ['src/*.ts', 'src/*.md', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a.md', false],
    ['src/a*', 'src/ab*', true],
    ['src/a*', 'src/b*', false],
    ['{src,test}/x.ts', 'test/*', true],
    ['{src,test}/x.ts', 'docs/*', false],
    ['**', 'anything/at/all', true],
    ['src/*/index.ts', 'src/core/*.ts', true],
    ['src/*/index.ts', 'src/core/*.js', false],
  ];
  for (const [a, b, expected] of OVERLAP) {
    it(`${a} and ${b} ${expected ? 'overlap' : 'do not overlap'} (both ways)`, () => {
      assert.strictEqual(patternsOverlap(a, b), expected);
      assert.strictEqual(patternsOverlap(b, a), expected);
    });
  }

  it('the guard check refuses only paths another instance holds exclusively', () => {
    const far = '2999-01-01T00:00:00.000Z';
    const claim = (id: string, instance: string, pattern: string, exclusive: boolean): Claim => ({
      id,
      instance,
      pattern,
      exclusive,
      reason: '',
      created: far,
      expires: far,
    });
    const live = [
      claim('1', 'a', 'src/**', true),
      claim('2', 'b', 'docs/**', false),
      claim('3', 'b', 'lib/x.ts', true),
    ];
    const paths = ['src/one.ts', 'docs/two.md', 'lib/x.ts', 'README.md'];
    assert.deepStrictEqual(
      guardViolations(paths, live, 'b').map((v) => [v.path, v.claim.id]),
      [['src/one.ts', '1']],
    );
    assert.deepStrictEqual(
      guardViolations(paths, live, null).map((v) => v.path),
      ['src/one.ts', 'lib/x.ts'],
    );
  });

  it('durations: units, combinations, and refusals of zero, nonsense and more than 7 days', () => {
    assert.strictEqual(parseClaimTtl('90s'), 90e3);
    assert.strictEqual(parseClaimTtl('1h30m'), 5400e3);
    assert.strictEqual(parseClaimTtl('7d'), 7 * 86400e3);
    for (const bad of ['0', '0m', '', 'soon', '8d', '2x', '-1h']) {
      assert.throws(
        () => parseClaimTtl(bad),
        (e: unknown) => isCoordError(e) && e.code === 'usage',
        bad,
      );
    }
  });
});
