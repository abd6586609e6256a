/** Commands that show a report as a document: System Status, System Summary, Action Log. */
import { ActionEntry } from '../../core';
import { relativeTime } from '../common/messageFormat';
import { CommandArea, programmatic } from './actionRegistry';

export const reportActions: CommandArea = ({ service, documents, ready }) => ({
  'coordination.systemStatus': async (args) => {
    const c = await ready();
    const s = c.systemStatus();
    if (programmatic(args)) return s;
    const lines = [
      `# System status`,
      '',
      `- Directory: \`${service.dir}\``,
      `- Identity: ${s.instance ?? '(none)'}`,
      `- Messages: ${s.totalMessages}`,
      `- Unread: ${s.unread} (${s.mentions} mention${s.mentions === 1 ? '' : 's'})`,
      `- Chatrooms: ${s.activeChatrooms} open, ${s.closedChatrooms} closed`,
      `- Instances: ${s.instances.join(', ') || '(none)'}`,
      '',
      '## Recent activity',
      '',
      ...s.recentActivity.map(activityLine),
    ];
    await documents.show('System Status', lines.join('\n'));
    return s;
  },

  'coordination.systemSummary': async (args) => {
    const c = await ready();
    const s = c.systemSummary();
    if (programmatic(args)) return s;
    const rooms = c.listChatrooms();
    const lines = [
      `# System summary`,
      '',
      `${s.totalMessages} messages, ${s.unread} unread for ${s.instance ?? '(no identity)'}, ` +
        `${s.activeChatrooms} open chatrooms.`,
      '',
      '## Instances',
      '',
      ...Object.entries(s.statuses).map(
        ([id, st]) => `- **${id}**: ${st.text} _(updated ${st.updated}, ${relativeTime(st.updated)})_`,
      ),
      '',
      '## Chatrooms',
      '',
      ...rooms.map(
        (r) =>
          `- #${r.name} — ${r.status}${r.reason ? ` (${r.reason})` : ''}${r.description ? `: ${r.description}` : ''}`,
      ),
      '',
      '## Recent activity',
      '',
      ...s.recentActivity.map(activityLine),
    ];
    await documents.show('System Summary', lines.join('\n'));
    return s;
  },

  'coordination.showActionLog': async (args) => {
    const c = await ready();
    const limitRaw = args?.limit;
    const limit = typeof limitRaw === 'number' && limitRaw > 0 ? limitRaw : 200;
    const entries = c.actionLog({ limit });
    if (programmatic(args)) return entries;
    const lines = [`# Action log (last ${entries.length})`, '', ...[...entries].reverse().map(activityLine)];
    await documents.show('Action Log', lines.join('\n'));
    return entries;
  },
});

/** One action-log entry as a Markdown list item (System Status, System Summary, Action Log). */
function activityLine(a: ActionEntry): string {
  return `- ${a.time} **${a.instance}** ${a.action}${a.details ? ` — ${a.details}` : ''}`;
}
