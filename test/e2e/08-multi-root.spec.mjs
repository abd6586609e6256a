// A multi-root window (see multiRootWorkspace() in run.mjs): the extension
// uses the first workspace folder that has a coordination directory.
import { assert, pending, waitUntil } from './lib.mjs';

export default [
  {
    name: 'in a multi-root window the first folder that has a coordination directory is used',
    workspace: 'multi',
    async run(wb) {
      await wb.openCoordinationView();
      const rows = await waitUntil(
        "the second folder's room in the tree",
        async () => {
          const r = await wb.treeRows();
          return r.some((x) => x.startsWith('#second-folder-room')) ? r : pending(r);
        },
        { timeout: 20_000 },
      );
      assert(!rows.some((x) => x.startsWith('#third-folder-room')), `the third folder's room is not shown: ${rows}`);
      await wb.shot('multi-root');
    },
  },
];
