import { Command } from 'commander';
import { AdminUserPayload } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { clean, plural } from '../output.js';
import { validated } from '../validate.js';

/** `chat-admin user delete <name> [--json]`. */
export function userDeleteCommand(): Command {
  return new Command('delete')
    .description(
      'delete an account: every session ends on every instance (live clients are told and disconnected) and the name is free again',
    )
    .argument('<name>', 'user name')
    .option('--json', 'print {user, sessions, sockets} as JSON')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => {
      const payload = validated(AdminUserPayload, { user: name }, 'delete the account');
      await withContext(cmd, async (ctx) => {
        const res = await (await ctx.client()).call('admin:users:delete', payload);
        if (flags.json) ctx.out.json(res);
        else
          ctx.out.text(
            `deleted ${clean(res.user)}: ${plural(res.sessions, 'session')} ended, ` +
              `${plural(res.sockets, 'connection')} closed; the name is free`,
          );
      });
    });
}
