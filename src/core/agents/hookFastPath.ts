/**
 * The hook that runs on every tool call must cost about as much as starting
 * Node. dist/cli.js asks this small bundle (dist/hook.js) first: when the
 * command line is a plain `coord [--dir D] [--as ID] hook EVENT [--agent A]`
 * for a prompt or tool event, and the delivery cursor's stamp says no file
 * changed since everything was handed over, the answer is "nothing" and the
 * full CLI is never loaded. Anything else (or any doubt) returns false and
 * the CLI runs `runHook` as usual.
 */
import { resolveDirectory } from '../disk/directory';
import { Layout } from '../disk/layout';
import { isValidInstanceId } from '../common/names';
import { nothingNewSince } from '../live/delivery';
import { readDelivery } from '../formats/deliveryCursor';
import { hookPhase } from './hookEvents';

export function quietHook(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): boolean {
  if (env.COORD_SERVER) return false; // the server has the messages, not a local directory
  let dir: string | undefined;
  let instance: string | undefined = env.CLAUDE_INSTANCE_ID || undefined;
  let i = 0;
  for (; i < argv.length && argv[i] !== 'hook'; i++) {
    if (argv[i] === '--dir' && i + 1 < argv.length) dir = argv[++i];
    else if (argv[i] === '--as' && i + 1 < argv.length) instance = argv[++i];
    else if (argv[i] !== '--json') return false;
  }
  const event = argv[i + 1];
  const rest = argv.slice(i + 2);
  if (argv[i] !== 'hook' || !event) return false;
  if (!(rest.length === 0 || (rest.length === 2 && rest[0] === '--agent'))) return false;
  const phase = hookPhase(event);
  if (phase !== 'tool' && phase !== 'prompt') return false;
  if (!instance || !isValidInstanceId(instance)) return false;
  const root = resolveDirectory({ dir, env, cwd });
  if (!root) return false;
  const layout = new Layout(root);
  const state = readDelivery(layout, instance);
  return !!state && !state.stopBlocked && nothingNewSince(layout, instance, state);
}
