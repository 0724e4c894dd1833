import { Command } from 'commander';
import { withContext } from '../context.js';
import { clean, formatAgo, table } from '../output.js';

/** `chat-admin rooms [--json]`: rooms, members, last activity. */
export function roomsCommand(): Command {
  return new Command('rooms')
    .description('list rooms with their members and last activity')
    .option('--json', 'print {rooms:[{name, members, lastActivity, messages}]} as JSON')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { rooms } = await (await ctx.client()).call('admin:rooms', {});
        if (flags.json) {
          ctx.out.json({ rooms });
          return;
        }
        const now = Date.now();
        const rows = rooms.map((r) => [
          clean(r.name),
          String(r.memberCount),
          String(r.messages),
          formatAgo(r.lastActivity, now),
          r.members.map(clean).join(', '),
        ]);
        ctx.out.text(
          rows.length === 0
            ? 'no rooms'
            : table(['ROOM', 'MEMBERS', 'MESSAGES', 'LAST ACTIVITY', 'WHO'], rows, [1, 2]),
        );
      });
    });
}
