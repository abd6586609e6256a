// The real legacy directory (a copy of ../shared/legacy-sample, written by
// the Python tool and bash scripts) opened in VS Code as instance-1.
import { assert, assertEqual, pending, waitUntil } from './lib.mjs';

export default [
  {
    name: 'the legacy directory: its rooms, closed rooms, DMs and unread count show as the CLI reports them',
    workspace: 'legacy',
    async run(wb) {
      await wb.openCoordinationView();
      const cliRooms = await wb.coordJson('instance-1', 'list-chatrooms');
      const unread = await wb.coordJson('instance-1', 'check-unread');
      const perRoom = {};
      for (const m of unread) perRoom[m.target] = (perRoom[m.target] ?? 0) + 1;
      await waitUntil(
        'the legacy rooms in the tree',
        async () =>
          (await wb.treeRows()).some((r) => r.startsWith('#task-coordination')) || pending(await wb.treeRows()),
      );
      const rows = await wb.treeRows();
      for (const room of cliRooms) {
        const row = rows.find((r) => r === `#${room.name}` || r.startsWith(`#${room.name} `));
        assert(row, `#${room.name} is in the tree: ${JSON.stringify(rows)}`);
        if (room.status === 'closed') assert(row.includes('closed'), `#${room.name} shows as closed: ${row}`);
        else if (perRoom[`#${room.name}`])
          assert(
            row.includes(`${perRoom[`#${room.name}`]} unread`),
            `#${room.name} shows ${perRoom[`#${room.name}`]} unread: ${row}`,
          );
      }
      assertEqual((await wb.statusCounts()).unread, unread.length, 'status-bar unread count (coord check-unread)');
      await wb.page.mouse.move(700, 500);
      await wb.shot('legacy-view');
    },
  },
  {
    name: 'the legacy directory: a room written by the Python tool reads as a thread',
    workspace: 'legacy',
    async run(wb) {
      const cli = await wb.coordJson('instance-1', 'check-chatroom', 'ai-messaging');
      const panel = await wb.openFromTree('#ai-messaging');
      await waitUntil(
        'every message of #ai-messaging',
        async () => (await panel.messages().count()) === cli.length || pending(await panel.messages().count()),
      );
      const report = cli.find((m) => m.text.startsWith('Instance-3 system evaluation report:'));
      assert(report, 'the evaluation report is in the room');
      const shown = await panel.read(panel.message('Instance-3 system evaluation report:'));
      assertEqual(shown.from, report.from, 'sender');
      assertEqual(shown.time, report.time, 'time');
      assertEqual(shown.ref, `id ${report.id}`, 'legacy messages are referred to by their id');
      assertEqual(shown.text, report.text, 'multi-line text');
      await wb.shot('legacy-thread');
    },
  },
];
