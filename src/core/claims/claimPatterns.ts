/**
 * Claim patterns: paths or globs relative to the repository root, the one
 * place that decides what a claim covers and whether two claims overlap.
 *
 * What a pattern covers: the paths picomatch matches (dotfiles included), and
 * everything below a matched path, so `src/core` claims the whole folder and
 * `src/*` claims every folder directly under src with its contents.
 *
 * Glob against glob (the decision): two patterns overlap when some path could
 * match both. Both are split into segments (braces expanded first); `**`
 * matches any number of segments; two ordinary segments can match one name
 * when they are equal, when one is literal and the other glob matches it
 * (picomatch decides, exactly), or, both being globs, when their literal
 * starts are prefixes of one another and their literal ends suffixes of one
 * another. The last rule may call two globs overlapping when no name matches
 * both (`a*[xy]` and `a*z`): claims err on the side of refusing. Against a
 * concrete file (the Explorer, the commit guard) matching is always exact.
 */
import * as path from 'path';
import picomatch from 'picomatch';
import braces from 'braces';
import { CoordError } from '../common/errors';

const MATCH_OPTIONS = { dot: true } as const;

/**
 * Turns what the user typed into a repository-relative POSIX pattern.
 * A relative input is taken from `cwd` when that lies inside the repository,
 * else from the repository root; an absolute one must lie inside it.
 */
export function normalizeClaimPattern(input: string, root: string, cwd?: string): string {
  const text = input.trim();
  if (text === '')
    throw new CoordError('invalid-input', 'empty path or glob: name a file, a folder or a glob such as src/**/*.ts');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text))
    throw new CoordError(
      'invalid-input',
      `path ${JSON.stringify(input)} contains a control character; name a file, a folder or a glob`,
    );
  if (text.startsWith('!'))
    throw new CoordError(
      'invalid-input',
      `'${text}' is a negated glob; a claim names what it covers (e.g. src/**), not what it leaves out`,
    );
  const base = cwd && isInside(root, path.resolve(cwd)) ? path.resolve(cwd) : root;
  const rel = path.relative(root, path.resolve(base, text));
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new CoordError('invalid-input', `'${text}' is outside the repository (${root}); claims name paths inside it`);
  }
  const pattern = rel === '' ? '**' : rel.split(path.sep).join('/');
  try {
    picomatch.makeRe(pattern, MATCH_OPTIONS);
  } catch (error) {
    throw new CoordError(
      'invalid-input',
      `'${text}' is not a valid glob (${(error as Error).message}); e.g. src/**/*.ts`,
    );
  }
  const alternatives = braces.expand(pattern);
  if (alternatives.length > MAX_ALTERNATIVES) throw tooManyAlternatives(text);
  assertNotDegenerate(text, pattern, alternatives);
  return pattern;
}

/** `***`, `{}` and braces with an empty alternative match nothing sensible (or everything by accident). */
function assertNotDegenerate(text: string, pattern: string, alternatives: string[]): void {
  if (/\*{3,}/.test(pattern))
    throw new CoordError(
      'invalid-input',
      `'${text}' has three or more stars in a row; use ** for any depth of folders or * within one name`,
    );
  if (/\{\s*\}/.test(pattern) || alternatives.some((a) => a === '' || a.split('/').includes('')))
    throw new CoordError(
      'invalid-input',
      `'${text}' has an empty brace group or an empty alternative; list the names, e.g. src/{api,db}/**`,
    );
}

const MAX_ALTERNATIVES = 64;

function tooManyAlternatives(text: string): CoordError {
  return new CoordError(
    'invalid-input',
    `'${text}' expands to more than ${MAX_ALTERNATIVES} alternatives; claim fewer paths at once`,
  );
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const matcherCache = new Map<string, (p: string) => boolean>();

/** Whether the claim pattern covers the repository-relative POSIX path `file` (a file or a folder). */
export function patternCovers(pattern: string, file: string): boolean {
  let match = matcherCache.get(pattern);
  if (!match) {
    match = picomatch([pattern, `${pattern}/**`], MATCH_OPTIONS);
    if (matcherCache.size > 1000) matcherCache.clear();
    matcherCache.set(pattern, match);
  }
  return match(file);
}

/** Whether some alternative of `pattern` names `folder` (repository-relative, literal) or only paths below it. */
export function patternInside(pattern: string, folder: string): boolean {
  const prefix = folder.split('/');
  return braces.expand(pattern).some((alt) => {
    const segments = alt.split('/');
    return segments.length >= prefix.length && prefix.every((p, i) => segments[i] === p);
  });
}

/** Whether some path can be covered by both patterns (see the file comment for the rule). */
export function patternsOverlap(a: string, b: string): boolean {
  const left = braces.expand(a);
  const right = braces.expand(b);
  return left.some((x) => right.some((y) => segmentsOverlap([...x.split('/'), '**'], [...y.split('/'), '**'])));
}

function segmentsOverlap(a: string[], b: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '**') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '**') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = nameCanMatchBoth(a[i], b[j]) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

function nameCanMatchBoth(x: string, y: string): boolean {
  const globX = picomatch.scan(x).isGlob;
  const globY = picomatch.scan(y).isGlob;
  if (!globX && !globY) return x === y;
  if (!globX) return picomatch.isMatch(x, y, MATCH_OPTIONS);
  if (!globY) return picomatch.isMatch(y, x, MATCH_OPTIONS);
  const [px, sx] = literalEnds(x);
  const [py, sy] = literalEnds(y);
  return (px.startsWith(py) || py.startsWith(px)) && (sx.endsWith(sy) || sy.endsWith(sx));
}

const GLOB_CHAR = /[*?[\]()!+@{}]/;

/** The literal text before the first and after the last glob character of one segment. */
function literalEnds(segment: string): [string, string] {
  const first = segment.search(GLOB_CHAR);
  let last = segment.length - 1;
  while (last >= 0 && !GLOB_CHAR.test(segment[last])) last--;
  return [segment.slice(0, first), segment.slice(last + 1)];
}
