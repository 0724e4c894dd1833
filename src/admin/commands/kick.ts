import { Command } from 'commander';
import { withContext } from '../context.js';
import { clean } from '../output.js';

/** `chat-admin kick <user> [--json]`: ends every session of a user and disconnects them. */
export function kickCommand(): Command {
  return new Command('kick')
    .description('end every session of a user and disconnect their clients')
    .argument('<user>', 'user name')
    .option('--json', 'print {user, sockets} as JSON')
    .action(async (user: string, flags: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { sockets } = await (await ctx.client()).call('admin:kick', { user });
        if (flags.json) ctx.out.json({ user, sockets });
        else
          ctx.out.text(
            `kicked ${clean(user)}: sessions ended, ${sockets} connection${sockets === 1 ? '' : 's'} closed`,
          );
      });
    });
}
