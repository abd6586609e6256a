/**
 * `coord` over a NATS server: the global --server / --creds options (see
 * README "Several machines") and `bridge`, which mirrors a coordination
 * directory to the server and back.
 */
import { Command } from 'commander';
import type { CommandArea } from '../cliContext';

export const serverArea: CommandArea = {
  title: 'Several machines (NATS)',
  register(program: Command): void {
    program
      .option('--server <url>', 'use a NATS JetStream server instead of the directory (default: $COORD_SERVER)')
      .option(
        '--creds <file>',
        'NATS credentials file (default: $COORD_CREDS; also $COORD_USER/$COORD_PASSWORD, $COORD_TOKEN)',
      );
  },
};
