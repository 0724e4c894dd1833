import { Command } from 'commander';
import { withContext } from '../context.js';
import { AdminKickPayload } from '../../protocol/index.js';
import { clean, plural } from '../output.js';
import { validated } from '../validate.js';

/** `chat-admin kick <user> [--json]`: ends every session of a user and disconnects them. */
export function kickCommand(): Command {
  return new Command('kick')
    .description('end every session of a user and disconnect their clients')
    .argument('<user>', 'user name')
    .option('--json', 'print {user, sockets} as JSON')
    .action(async (user: string, flags: { json?: boolean }, cmd: Command) => {
      const payload = validated(AdminKickPayload, { user }, 'kick');
      await withContext(cmd, async (ctx) => {
        const { sockets } = await (await ctx.client()).call('admin:kick', payload);
        if (flags.json) ctx.out.json({ user, sockets });
        else
          ctx.out.text(
            `kicked ${clean(user)}: sessions ended, ${plural(sockets, 'connection')} closed`,
          );
      });
    });
}
