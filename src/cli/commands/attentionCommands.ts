/** `coord` commands of the Attention area: acknowledgements, the humans, what needs you, stuck agents, digests. */
import { Command, Option } from 'commander';
import {
  ClaimBook,
  claimConflictEntries,
  CoordError,
  DEFAULT_STUCK_AFTER_MS,
  formatAge,
  sanitizeForTerminal as clean,
} from '../../core';
import type { AckEntry, QueueEntry, StuckAgent } from '../../core';
import { emitFor, openFor } from '../cliContext';
import { durationArg, markReadRefs } from '../args';
import * as out from '../format';
import type { CommandArea } from '../cliContext';

function stuckAfterOption(flag: string): Option {
  return new Option(
    `${flag} <time>`,
    `idle this long counts as stuck (default ${DEFAULT_STUCK_AFTER_MS / 60000}m)`,
  ).argParser((v) => durationArg(v, flag));
}

function ackLine(e: AckEntry, mine: boolean): string {
  const m = e.status.message;
  const head =
    `${out.messageRef(m)} ${formatAge(e.ageSeconds).padStart(4)} ago  ` +
    `${clean(m.from)} -> ${clean(m.target)}: ${clean(m.text.split('\n')[0])}`;
  if (!mine) return `  ${head}`;
  const acked = e.status.acked.map((a) => `${clean(a.by)} (${a.time})`).join(', ') || 'nobody yet';
  const pending = e.status.anyone ? (e.status.done ? '' : 'anyone') : e.status.pending.map(clean).join(', ');
  return `  ${head}\n      acked: ${acked}${pending ? `   waiting for: ${pending}` : ''}`;
}

function queueLine(e: QueueEntry): string {
  const ref = e.message && e.kind !== 'stuck' ? `${out.messageRef(e.message)} ` : '';
  const file = e.file ? `  file: ${clean(e.file)}` : '';
  return `  ${ref}${clean(e.title)}  [${e.actions.join(', ')}]${file}`;
}

function stuckLine(s: StuckAgent): string {
  const idle = s.lastActivity ? `last active ${s.lastActivity}` : 'never active here';
  const oldest = s.waiting[0];
  return (
    `  ${clean(s.agent)}: ${s.waiting.length} unread addressed to it ` +
    `(oldest ${out.messageRef(oldest)} at ${oldest.time}); ${idle}`
  );
}

export const attentionArea: CommandArea = {
  title: 'Attention',
  register(program: Command): void {
    program
      .command('ack')
      .description('acknowledge messages (also marks them read): 12, 10-20, 3,5,8 or legacy ids')
      .argument('<numbers...>', 'message numbers, ranges or ids')
      .action(async (values: string[], _opts: unknown, cmd: Command) => {
        const refs = markReadRefs(values);
        if (refs === 'all')
          throw new CoordError('usage', "ack takes message numbers, not 'all'; see 'coord acks --pending'");
        const result = await (await openFor(cmd)).ack(refs);
        emitFor(cmd, result, () => {
          const n = result.acked.length;
          const already = result.alreadyAcked.length ? ` (${result.alreadyAcked.length} already acknowledged)` : '';
          const ackedRefs = result.acked.map((r) => (typeof r === 'number' ? `#${r}` : `id:${r}`)).join(', ');
          return n === 0 ? `Nothing new to acknowledge${already}` : `Acknowledged ${ackedRefs}${already}`;
        });
      });

    program
      .command('acks')
      .description('acknowledgements you owe and those owed to you, with their age')
      .option('--pending', 'only what is still outstanding')
      .action(async (opts: { pending?: boolean }, cmd: Command) => {
        const report = (await openFor(cmd)).acks({ pendingOnly: !!opts.pending });
        emitFor(cmd, report, () =>
          [
            `You owe (${report.owe.length}):`,
            ...(report.owe.length ? report.owe.map((e) => ackLine(e, false)) : ['  nothing']),
            `Owed to you (${report.owed.length}):`,
            ...(report.owed.length ? report.owed.map((e) => ackLine(e, true)) : ['  nothing']),
          ].join('\n'),
        );
      });

    program
      .command('humans')
      .description('who the humans are (agents reach them as @human or by id)')
      .action(async (_opts: unknown, cmd: Command) => {
        const list = (await openFor(cmd)).humans();
        emitFor(cmd, list, () =>
          list.length === 0
            ? "No humans registered; a person runs 'coord register-human ID' (or sets coordination.humanId in VS Code)"
            : list.map((h) => `@${clean(h.id)}  (human since ${h.since})`).join('\n'),
        );
      });

    program
      .command('register-human')
      .description('register a human identity (default: --as) that agents can address as @human')
      .argument('[id]', 'the human id, e.g. alice')
      .action(async (id: string | undefined, _opts: unknown, cmd: Command) => {
        const result = await (await openFor(cmd)).registerHuman(id);
        emitFor(cmd, result, () =>
          result.created
            ? `Registered @${clean(result.human.id)} as a human`
            : `@${clean(result.human.id)} is already a human (since ${result.human.since})`,
        );
      });

    program
      .command('needs-you')
      .description(
        'what waits on you: urgent, acks you owe, questions to you, unread to you, stuck agents, claim conflicts',
      )
      .addOption(stuckAfterOption('--stuck-after'))
      .action(async (opts: { stuckAfter?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        const me = c.instance;
        const extra = me
          ? claimConflictEntries(
              new ClaimBook(c.dir, me).list(),
              me,
              c.humans().map((h) => h.id),
            )
          : [];
        const queue = c.needsYou({ stuckAfterMs: opts.stuckAfter, extra });
        emitFor(cmd, queue, () =>
          queue.length === 0 ? 'Nothing needs you' : `Needs you (${queue.length}):\n${queue.map(queueLine).join('\n')}`,
        );
      });

    program
      .command('stuck')
      .description('agents with unread messages addressed to them and no activity for a while')
      .addOption(stuckAfterOption('--after'))
      .action(async (opts: { after?: number }, cmd: Command) => {
        const list = (await openFor(cmd)).stuckAgents({ stuckAfterMs: opts.after });
        emitFor(cmd, list, () => (list.length === 0 ? 'No agent looks stuck' : list.map(stuckLine).join('\n')));
      });

    program
      .command('digest')
      .description("since you last looked: a short digest of a room's unread messages")
      .argument('<room>', 'the chatroom')
      .action(async (room: string, _opts: unknown, cmd: Command) => {
        const digest = (await openFor(cmd)).roomDigest(room);
        emitFor(cmd, digest, () => clean(digest.summary));
      });
  },
};
