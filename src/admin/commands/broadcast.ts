import { Command } from 'commander';
import { AdminBroadcastPayload } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { clean, plural } from '../output.js';

interface BroadcastFlags {
  room?: string;
  json?: boolean;
}

/** `chat-admin broadcast <text> [--room R] [--json]`. */
export function broadcastCommand(): Command {
  return new Command('broadcast')
    .description(
      'send a system message to every connected client on every instance, or to one room (kept in its history)',
    )
    .argument('<text>', 'the message')
    .option('-r, --room <room>', 'only this room')
    .option('--json', 'print {clients, instances, messageId?} as JSON')
    .action(async (text: string, flags: BroadcastFlags, cmd: Command) => {
      // Checked here with the server's own schema, before connecting: a text the server
      // would refuse is a usage error, not a slow "no answer" (a 70 KB one never fits a packet).
      const parsed = AdminBroadcastPayload.safeParse(
        flags.room ? { text, room: flags.room } : { text },
      );
      if (!parsed.success) {
        const why = parsed.error.issues
          .map((i) => `${i.path.join('.') || 'text'} ${i.message}`)
          .join('; ');
        throw new AdminError(ExitCode.Usage, `cannot broadcast: ${why}`);
      }
      await withContext(cmd, async (ctx) => {
        const client = await ctx.client();
        const res = await client.call('admin:broadcast', parsed.data);
        if (flags.json) {
          ctx.out.json(res);
          return;
        }
        const where = flags.room ? ` in room ${clean(flags.room)}` : '';
        ctx.out.text(
          `reached ${plural(res.clients, 'client')}${where} on ${plural(res.instances, 'instance')}`,
        );
      });
    });
}
