// Every Coordination command in the palette, typed by its exact title (from
// package.json): the exact title must be the first row, and Enter must run
// that command, seen by what it opens. Runs last on the demo workspace: Mark
// All Read, run at the end, marks everything read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from './lib.mjs';

/** What each command shows first when run from the palette with no arguments. */
const EFFECT = {
  'coordination.sendMessage': { prompt: 'Send to which room or instance?' },
  'coordination.replyToMessage': { prompt: 'Reply to which message?' },
  'coordination.sendDirectMessage': { prompt: 'Send a direct message to…' },
  'coordination.searchMessages': { prompt: 'Search messages' },
  'coordination.createChatroom': { prompt: 'New chatroom name' },
  'coordination.closeChatroom': { prompt: 'Close which chatroom?' },
  'coordination.reopenChatroom': { prompt: 'Reopen which chatroom?' },
  'coordination.listChatrooms': { prompt: /Chatrooms \(\d+ open, \d+ closed\)/ },
  'coordination.openChatroom': { prompt: 'Open which room or conversation?' },
  'coordination.checkNotifications': { prompt: /\d+ mentions?, \d+ alerts?/, orToast: 'no unread mentions or alerts' },
  'coordination.showUnread': { prompt: /\d+ unread/, orToast: 'no unread messages' },
  'coordination.markRead': { prompt: 'Mark read', orToast: 'no unread messages' },
  'coordination.updateStatus': { prompt: 'Status of instance-1' },
  'coordination.systemStatus': { tab: 'System Status.md' },
  'coordination.systemSummary': { tab: 'System Summary.md' },
  'coordination.setIdentity': { prompt: 'Agent Coordination: who are you?' },
  'coordination.initializeDirectory': { toast: 'Agent Coordination: already had' },
  'coordination.showActionLog': { tab: 'Action Log.md' },
  'coordination.openMostUrgent': { threadTab: true, orToast: 'no unread messages' },
  // Reload Directory shows nothing of its own: checked by its row being first and Enter opening nothing else.
  'coordination.refresh': { nothing: true },
  'coordination.markAllRead': { statusBar: /Marked \d+ read/ },
  'coordination.claimFiles': { prompt: 'Claim which paths or globs?' },
  'coordination.releaseClaims': { prompt: 'Release which claims?', orToast: 'you hold no claims' },
  'coordination.listClaims': { prompt: 'Claims in force', orToast: 'no claims in force' },
  'coordination.sendSelection': { prompt: /Send .+ to…/, orToast: 'open a file and select the lines to send' },
  'coordination.showNeedsYou': { prompt: 'What needs you', orToast: 'nothing needs you' },
  'coordination.acknowledge': { prompt: 'Acknowledge which messages?', orToast: 'you owe no acknowledgements' },
  'coordination.sendWithImportance': { prompt: 'How important is it?' },
  'coordination.muteRoom': { prompt: 'Mute or unmute notifications from which room?' },
  'coordination.quietNotifications': { prompt: 'Quiet "Needs you" notifications' },
};

function paletteCommands(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const hidden = new Set(
    (pkg.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command),
  );
  return pkg.contributes.commands
    .filter((c) => !hidden.has(c.command))
    .map((c) => ({ id: c.command, title: `${c.category}: ${c.title}` }));
}

async function checkEffect(wb, effect) {
  const page = wb.page;
  const anyOf = [];
  if (effect.prompt) anyOf.push(wb.waitForQuickInputText(effect.prompt, 10_000).then(() => 'prompt'));
  if (effect.toast ?? effect.orToast) anyOf.push(wb.toast(effect.toast ?? effect.orToast).then(() => 'toast'));
  if (effect.tab)
    anyOf.push(
      wb
        .tab(effect.tab)
        .waitFor({ timeout: 10_000 })
        .then(() => 'tab'),
    );
  if (effect.threadTab)
    anyOf.push(
      page
        .locator('.tabs-container .tab.active .label-name', { hasText: /^[#@]/ })
        .first()
        .waitFor({ timeout: 10_000 })
        .then(() => 'thread'),
    );
  if (effect.statusBar)
    anyOf.push(
      page
        .locator('.statusbar-item', { hasText: effect.statusBar })
        .first()
        .waitFor({ timeout: 10_000 })
        .then(() => 'status bar'),
    );
  if (effect.nothing) {
    await new Promise((r) => setTimeout(r, 1_500));
    assert(!(await wb.quickInput().isVisible()), 'Reload Directory opened a prompt');
    return 'nothing else';
  }
  return Promise.any(anyOf).catch((e) => {
    throw new Error(
      `none of the expected effects appeared: ${e.errors.map((x) => x.message.split('\n')[0]).join('; ')}`,
    );
  });
}

export default [
  {
    name: 'every Coordination command runs when its exact title is typed in the palette',
    timeout: 200_000,
    async run(wb) {
      const commands = paletteCommands(wb.root);
      const missing = commands.filter((c) => !EFFECT[c.id]).map((c) => c.id);
      assert(missing.length === 0, `no expected effect written for ${missing.join(', ')}: add it to EFFECT`);
      // Mark All Read last: it changes what the others show.
      commands.sort((a, b) => (a.id === 'coordination.markAllRead') - (b.id === 'coordination.markAllRead'));
      const wrong = [];
      for (const c of commands) {
        await wb.closeQuickInput();
        await wb.dismissNotifications();
        try {
          await wb.runCommand(c.title);
          const seen = await checkEffect(wb, EFFECT[c.id]);
          wb.log(`${c.title}: ${seen}`);
        } catch (error) {
          wrong.push(`${c.title}: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`);
          await wb.page.keyboard.press('Escape');
        }
        await wb.closeQuickInput();
        await wb.page.keyboard.press('Escape');
      }
      assert(
        wrong.length === 0,
        `${wrong.length} of ${commands.length} titles did not run their command:\n  ${wrong.join('\n  ')}`,
      );
    },
  },
];
