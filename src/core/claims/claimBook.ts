/**
 * The claims of one coordination, seen by one instance: listing (expired
 * claims never show), claiming with the overlap rules, releasing, and the
 * commit guard's check. The claims live in a ClaimStore (the directory's
 * data/claims.json by default, a KV key on a NATS server), whose updates
 * decide from the claims as stored, so concurrent claimers never both win.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CoordError } from '../common/errors';
import { Layout } from '../disk/layout';
import { WriteSession } from '../write/writeSession';
import { formatTimestamp } from '../common/time';
import { assertInstanceId, listChoices, requireIdentity } from '../common/names';
import { Claim, ClaimConflict } from './claimFile';
import { type ClaimChange, type ClaimStore, directoryClaimStore } from './claimStore';
import { normalizeClaimPattern, patternCovers, patternInside, patternsOverlap } from './claimPatterns';
import { knownInstances } from '../read/instances';
import { DEFAULT_CLAIM_TTL_MS, formatTimeLeft } from './claimClock';
import { coordClock } from '../common/clock';

export interface ClaimOptions {
  exclusive?: boolean;
  ttlMs?: number;
  reason?: string;
  /** Claim even over another instance's claim; the conflict is recorded on the claim. */
  force?: boolean;
}

export interface ClaimResult {
  claims: Claim[];
  /** Non-empty only with force: what the new claims overlap. */
  conflicts: ClaimConflict[];
}

/** A staged path the commit guard refuses, and the claim that holds it. */
export interface GuardViolation {
  path: string;
  claim: Claim;
}

export interface ClaimBookOptions {
  env?: NodeJS.ProcessEnv;
  /** Where relative inputs are taken from (the CLI passes its working directory). */
  cwd?: string;
  now?: () => Date;
  /** Where the claims are kept; default data/claims.json in `dir`. */
  store?: ClaimStore;
  /** The repository the claims' paths are relative to; default the one holding `dir`. */
  root?: string;
  /** The instances the backend knows; default those with files in `dir`. */
  known?: () => string[];
}

const MAX_REASON = 500;

export class ClaimBook {
  readonly layout: Layout;
  /** The repository the claims' paths are relative to. */
  readonly root: string;
  private readonly now: () => Date;
  private readonly cwd?: string;
  private readonly store: ClaimStore;
  private readonly known: () => string[];

  constructor(
    readonly dir: string,
    readonly instance: string | null,
    options: ClaimBookOptions = {},
  ) {
    this.layout = new Layout(dir);
    this.root = options.root ?? repositoryRootOf(dir);
    this.now = options.now ?? coordClock(options.env);
    this.cwd = options.cwd;
    this.known = options.known ?? (() => knownInstances(this.layout, null));
    this.store =
      options.store ??
      directoryClaimStore(
        this.layout,
        new WriteSession(
          this.layout,
          () => formatTimestamp(this.now()),
          () => undefined,
        ),
      );
  }

  /** "Now" for claims (COORD_NOW in tests). */
  clock(): Date {
    return this.now();
  }

  /** Changes whenever the claims are written (for cheap polling). */
  fileStamp(): string {
    return this.store.stamp();
  }

  /** Live claims, oldest first. */
  list(): Claim[] {
    return liveClaims(this.readAll(), this.now());
  }

  /** Live claims that cover a repository-relative path (a file or a folder). */
  holdersOf(file: string): Claim[] {
    return this.list().filter((c) => patternCovers(c.pattern, file));
  }

  /** Other instances' live claims that overlap this one with either side exclusive. */
  conflictsOf(claim: Claim, live: Claim[] = this.list()): Claim[] {
    return claimConflicts(claim, live);
  }

  /** The repository-relative POSIX path of an absolute path, or null outside the repository (or the root itself). */
  relativeOf(absolute: string): string | null {
    const rel = path.relative(this.root, absolute);
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return null;
    return rel.split(path.sep).join('/');
  }

  /** Repository-relative pattern for what a user typed (throws a one-line error when it is not one). */
  normalize(input: string): string {
    return normalizeClaimPattern(input, this.root, this.cwd);
  }

  async claim(inputs: string[], options: ClaimOptions = {}): Promise<ClaimResult> {
    const me = this.requireInstance();
    if (inputs.length === 0)
      throw new CoordError('usage', 'claim needs at least one path or glob (e.g. coord claim src/api/**)');
    const patterns = [...new Set(inputs.map((i) => this.normalize(i)))];
    for (const p of patterns) this.assertOutsideCoordination(p);
    const reason = (options.reason ?? '').trim().replace(/\s+/g, ' ');
    if (/[\u0000-\u001f\u007f-\u009f]/.test(reason))
      throw new CoordError('invalid-input', '--reason contains a control character; give plain text');
    if (reason.length > MAX_REASON)
      throw new CoordError('invalid-input', `--reason is ${reason.length} characters; keep it under ${MAX_REASON}`);
    const ttl = options.ttlMs ?? DEFAULT_CLAIM_TTL_MS;
    const exclusive = options.exclusive ?? false;
    return this.write((all, now) => {
      const live = liveClaims(all, now);
      const created = now.toISOString();
      const expires = new Date(now.getTime() + ttl).toISOString();
      const conflicts: ClaimConflict[] = [];
      const forced: string[] = [];
      const fresh: Claim[] = [];
      for (const pattern of patterns) {
        const draft: Claim = { id: '', instance: me, pattern, exclusive, reason, created, expires };
        const clashes = claimConflicts(draft, live);
        if (clashes.length > 0 && !options.force) throw refusal(pattern, clashes[0], clashes.length, now);
        const recorded = clashes.map((c) => ({
          holder: c.instance,
          pattern: c.pattern,
          exclusive: c.exclusive,
          until: c.expires,
        }));
        conflicts.push(...recorded);
        if (recorded.length > 0) forced.push(pattern);
        const previous = live.find((c) => c.instance === me && c.pattern === pattern);
        fresh.push({
          ...draft,
          id: previous?.id ?? newClaimId(),
          created: previous?.created ?? created,
          ...(recorded.length > 0 ? { forcedOver: recorded } : {}),
        });
      }
      const kept = live.filter((c) => !(c.instance === me && patterns.includes(c.pattern)));
      const actions =
        conflicts.length > 0
          ? [
              {
                action: 'CLAIM_CONFLICT',
                details:
                  `forced claim on ${forced.join(', ')} over ` +
                  conflicts.map((c) => `${c.pattern} held by ${c.holder}`).join(', '),
              },
            ]
          : [];
      return { next: [...kept, ...fresh], result: { claims: fresh, conflicts }, actions };
    });
  }

  /** Releases this instance's claims on the given paths (as typed to `claim`), or all of them. */
  async release(inputs: string[] | 'all'): Promise<Claim[]> {
    const me = this.requireInstance();
    if (inputs !== 'all' && inputs.length === 0)
      throw new CoordError('usage', 'release needs the paths you claimed, or --all');
    const patterns = inputs === 'all' ? null : [...new Set(inputs.map((i) => this.normalize(i)))];
    this.requireHolder(me, this.known());
    return this.write((all, now) => {
      const live = liveClaims(all, now);
      const mine = live.filter((c) => c.instance === me);
      if (patterns) {
        const missing = patterns.filter((p) => !mine.some((c) => c.pattern === p));
        if (missing.length > 0) {
          throw new CoordError(
            'not-found',
            `you (${me}) hold no claim on ${missing.join(', ')}; ` +
              `your claims: ${listChoices(mine.map((c) => c.pattern))}`,
          );
        }
      }
      const released = mine.filter((c) => patterns === null || patterns.includes(c.pattern));
      if (released.length === 0) return { next: null, result: released, actions: [] };
      return { next: live.filter((c) => !released.includes(c)), result: released, actions: [] };
    });
  }

  /**
   * The commit guard's check: the paths (repository-relative) that another
   * instance holds exclusively. With no identity (a human committing), every
   * instance is "another".
   */
  guardCheck(paths: string[]): GuardViolation[] {
    return guardViolations(paths, this.list(), this.instance);
  }

  /** Throws unless `id` is an instance this directory knows (used by filters such as --holder). */
  requireHolder(id: string, known: string[]): string {
    assertInstanceId(id, 'instance id');
    const holders = new Set([...known, ...this.list().map((c) => c.instance)]);
    if (!holders.has(id))
      throw new CoordError('not-found', `unknown instance '${id}': known instances are ${listChoices(holders, '@')}`);
    return id;
  }

  private readAll(): Claim[] {
    return this.store.read();
  }

  /** Read, decide (may throw: nothing written), replace the claims, register the writer. */
  private write<T>(change: (all: Claim[], now: Date) => ClaimChange<T>): Promise<T> {
    return this.store.update(this.requireInstance(), (all) => change(all, this.now()));
  }

  /** The coordination directory is the tools' own; a claim there would only block them. */
  private assertOutsideCoordination(pattern: string): void {
    // On a NATS server `dir` names the server: there is no directory in the repository to keep claims out of.
    if (!path.isAbsolute(this.dir)) return;
    const own = this.relativeOf(this.dir);
    if (own === null || !patternInside(pattern, own)) return;
    throw new CoordError(
      'invalid-input',
      `'${pattern}' lies inside the coordination directory (${own}/), which the coordination tools write; ` +
        "claim your project's files instead",
    );
  }

  private requireInstance(): string {
    return requireIdentity(this.instance, 'claims are held by an instance, e.g. instance-1');
  }
}

export function liveClaims(all: Claim[], now: Date): Claim[] {
  const t = now.getTime();
  return all.filter((c) => Date.parse(c.expires) > t);
}

/** Other instances' claims overlapping `claim` where at least one of the two is exclusive. */
export function claimConflicts(claim: Claim, live: Claim[]): Claim[] {
  return live.filter(
    (c) =>
      c.instance !== claim.instance &&
      (c.exclusive || claim.exclusive) &&
      c.id !== claim.id &&
      patternsOverlap(c.pattern, claim.pattern),
  );
}

/** Pure: which of `paths` another instance than `me` holds exclusively. */
export function guardViolations(paths: string[], live: Claim[], me: string | null): GuardViolation[] {
  const theirs = live.filter((c) => c.exclusive && c.instance !== me);
  const found: GuardViolation[] = [];
  for (const p of paths) {
    const claim = theirs.find((c) => patternCovers(c.pattern, p));
    if (claim) found.push({ path: p, claim });
  }
  return found;
}

/** One line naming who holds what until when. */
export function describeHold(claim: Claim, now: Date): string {
  const until = formatTimestamp(new Date(claim.expires)).slice(11, 16);
  return (
    `${claim.instance} holds ${claim.pattern}${claim.exclusive ? ' exclusively' : ''} ` +
    `until ${until} (${formatTimeLeft(claim.expires, now)} left)` +
    `${claim.reason ? `, reason ${JSON.stringify(claim.reason)}` : ''}`
  );
}

function refusal(pattern: string, clash: Claim, count: number, now: Date): CoordError {
  const more = count > 1 ? ` (and ${count - 1} more claim${count > 2 ? 's' : ''})` : '';
  return new CoordError(
    'conflict',
    `cannot claim ${pattern}: ${describeHold(clash, now)}${more}; ` +
      `ask ${clash.instance}, wait, or pass --force to record the conflict`,
  );
}

function newClaimId(): string {
  return randomBytes(4).toString('hex');
}

/** The git top-level above the coordination directory (a `.git` folder or file), else the directory's parent. */
export function repositoryRootOf(dir: string): string {
  return repositoryRootFrom(path.dirname(dir));
}

/** The git top-level holding `start` (a `.git` folder or file), else `start` itself. */
export function repositoryRootFrom(start: string): string {
  for (let d = start; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return start;
  }
}
