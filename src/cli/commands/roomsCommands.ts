/** `coord` commands of the Chatrooms area. */
import { Command } from 'commander';
import { emitFor, openFor } from '../cliContext';
import * as out from '../format';
import type { CommandArea } from '../cliContext';

export const roomsArea: CommandArea = {
  title: 'Chatrooms',
  register(program: Command): void {
    program
      .command('list-chatrooms')
      .description('all chatrooms with status, creator and description')
      .action(async (_opts: unknown, cmd: Command) => {
        const c = await openFor(cmd);
        const rooms = c.listChatrooms();
        emitFor(cmd, rooms, () => out.formatRooms(rooms, c.instance ? c.unreadByTarget() : undefined));
      });

    program
      .command('create-chatroom')
      .description('create a chatroom (names are unique regardless of case)')
      .argument('<name>', 'letters, digits, - _ .')
      .argument('[description...]', 'what the room is for')
      .action(async (name: string, words: string[], _opts: unknown, cmd: Command) => {
        const room = await (await openFor(cmd)).createChatroom(name, words.join(' '));
        emitFor(cmd, room, () => `Created #${room.name}`);
      });

    for (const [name, verb] of [
      ['close-chatroom', 'close'],
      ['reopen-chatroom', 'reopen'],
    ] as const) {
      program
        .command(name)
        .description(`${verb} a chatroom, with a reason`)
        .argument('<name>', 'the chatroom')
        .argument('[reason...]', `why you ${verb} it`)
        .action(async (room: string, words: string[], _opts: unknown, cmd: Command) => {
          const c = await openFor(cmd);
          const result =
            verb === 'close'
              ? await c.closeChatroom(room, words.join(' '))
              : await c.reopenChatroom(room, words.join(' '));
          emitFor(cmd, result, () => `${verb === 'close' ? 'Closed' : 'Reopened'} #${result.name}`);
        });
    }
  },
};
