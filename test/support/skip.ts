/**
 * The one way a test may skip: skipBecause(this, 'why it cannot run on this
 * machine'). The reason is recorded on the test (or, from a hook, on its
 * suite) where test/support/count-reporter.js and the integration runner read
 * it; under CI=true scripts/test-all.mjs fails any skip that has none.
 */
import type { Context, Runnable } from 'mocha';

export function skipBecause(ctx: Context, reason: string): never {
  const runnable = ctx.test as (Runnable & { type?: string }) | undefined;
  if (!runnable) throw new Error('skipBecause() needs the mocha context (call it as skipBecause(this, ...))');
  // From a hook the skip covers its suite's tests; from a test, that test.
  const holder = (runnable.type === 'hook' ? runnable.parent : runnable) as { skipReason?: string } | undefined;
  if (holder) holder.skipReason = reason;
  ctx.skip();
}
