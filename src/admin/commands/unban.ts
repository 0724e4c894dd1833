import { Command } from 'commander';
import { AdminUserPayload } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { clean } from '../output.js';
import { validated } from '../validate.js';

/** `chat-admin unban <name> [--json]`. */
export function unbanCommand(): Command {
  return new Command('unban')
    .description('lift the ban on an account: it can log in again')
    .argument('<name>', 'user name')
    .option('--json', 'print {user, wasBanned} as JSON')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => {
      const payload = validated(AdminUserPayload, { user: name }, 'unban');
      await withContext(cmd, async (ctx) => {
        const res = await (await ctx.client()).call('admin:users:unban', payload);
        if (flags.json) ctx.out.json(res);
        else
          ctx.out.text(
            res.wasBanned ? `unbanned ${clean(res.user)}` : `${clean(res.user)} was not banned`,
          );
      });
    });
}
