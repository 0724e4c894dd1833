import { Command } from 'commander';
import { withContext } from '../context.js';
import { clean, formatAgo, table } from '../output.js';

/** `chat-admin rooms [--directs] [--json]`: rooms, members, last activity; conversation counts. */
export function roomsCommand(): Command {
  return new Command('rooms')
    .description('list rooms with their members and last activity, and count direct conversations')
    .option(
      '--directs',
      'also list who is in each direct conversation (names and counts only, never messages)',
    )
    .option(
      '--json',
      'print {rooms:[{name, members, lastActivity, messages}], directs:{count, active24h, list?}} as JSON',
    )
    .action(async (flags: { json?: boolean; directs?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { rooms, directs } = await (
          await ctx.client()
        ).call('admin:rooms', flags.directs ? { directs: true } : {});
        if (flags.json) {
          ctx.out.json({ rooms, directs });
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
        // One string per line: a table is its lines, spread in (never nested, or it would
        // print as one comma-joined line).
        const lines: string[] =
          rows.length === 0
            ? ['no rooms']
            : table(['ROOM', 'MEMBERS', 'MESSAGES', 'LAST ACTIVITY', 'WHO'], rows, [1, 2]);
        lines.push(
          '',
          `${directs.count} direct ${directs.count === 1 ? 'conversation' : 'conversations'}, ` +
            `${directs.active24h} active in the last 24 h` +
            (directs.list ? '' : ' (--directs lists who is in each)'),
        );
        if (directs.list && directs.list.length > 0) {
          lines.push(
            '',
            ...table(
              ['BETWEEN', 'MESSAGES', 'LAST ACTIVITY'],
              directs.list.map((d) => [
                d.users.map(clean).join(' and '),
                String(d.messages),
                formatAgo(d.lastActivity, now),
              ]),
              [1],
            ),
          );
        }
        ctx.out.text(lines);
      });
    });
}
