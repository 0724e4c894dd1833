import { Command, InvalidArgumentError } from 'commander';
import { AdminUsersListPayload, USER_LIST_MAX, type UserList } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { clean, formatAgo, formatDate, plural, table } from '../output.js';
import { validated } from '../validate.js';

function limitArg(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > USER_LIST_MAX) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${USER_LIST_MAX}`);
  }
  return n;
}

/** The table people read: one row per account, then how many there are. */
export function userListText(list: UserList, now = Date.now()): string[] {
  if (list.users.length === 0) return ['no accounts'];
  const rows = list.users.map((u) => [
    clean(u.name),
    formatDate(u.createdAt),
    u.lastSeen === null ? 'never' : formatAgo(u.lastSeen, now),
    !u.banned
      ? '-'
      : u.banned.until === undefined
        ? 'no end'
        : `until ${formatDate(u.banned.until)}`,
    clean(u.banned?.reason ?? ''),
  ]);
  const shown = list.users.length;
  const more = list.total > shown;
  return [
    ...table(['NAME', 'CREATED', 'LAST SEEN', 'BANNED', 'REASON'], rows),
    more
      ? `${shown} of ${list.total} accounts shown, newest first (--limit for more)`
      : plural(shown, 'account'),
  ];
}

/** `chat-admin user list [--limit N] [--json]`. */
export function userListCommand(): Command {
  return new Command('list')
    .description('list accounts, newest first: name, created, last seen, ban')
    .option('--limit <n>', `at most this many (1-${USER_LIST_MAX})`, limitArg, 100)
    .option(
      '--json',
      'print {users:[{name, createdAt, lastSeen, banned:{reason?, since, until?}|null}], total, limit} as JSON',
    )
    .action(async (flags: { limit: number; json?: boolean }, cmd: Command) => {
      const payload = validated(AdminUsersListPayload, { limit: flags.limit }, 'list accounts');
      await withContext(cmd, async (ctx) => {
        const list = await (await ctx.client()).call('admin:users:list', payload);
        if (flags.json) ctx.out.json(list);
        else ctx.out.text(userListText(list));
      });
    });
}
