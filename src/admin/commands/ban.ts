import { Command, InvalidArgumentError } from 'commander';
import { AdminBanPayload } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { clean, formatDate, parseDuration, plural } from '../output.js';
import { validated } from '../validate.js';

function durationArg(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError(
      'expected a duration such as 30m, 1h, 7d (a bare number is seconds)',
    );
  }
  return ms;
}

interface BanFlags {
  for?: number;
  reason?: string;
  json?: boolean;
}

/** `chat-admin ban <name> [--for D] [--reason R] [--json]`. */
export function banCommand(): Command {
  return new Command('ban')
    .description(
      'ban an account: its sessions end on every instance (live clients are told why), and its logins are refused until the ban ends or is lifted (unban)',
    )
    .argument('<name>', 'user name')
    .option(
      '--for <duration>',
      'how long, e.g. 30m, 1h, 7d; a bare number is seconds (default: until unbanned)',
      durationArg,
    )
    .option('--reason <text>', 'why: shown to the user (one line, at most 200 characters)')
    .option('--json', 'print {user, ban:{reason?, since, until?}, sessions, sockets} as JSON')
    .action(async (name: string, flags: BanFlags, cmd: Command) => {
      const payload = validated(
        AdminBanPayload,
        {
          user: name,
          ...(flags.for !== undefined ? { forMs: flags.for } : {}),
          ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
        },
        'ban',
      );
      await withContext(cmd, async (ctx) => {
        const res = await (await ctx.client()).call('admin:users:ban', payload);
        if (flags.json) {
          ctx.out.json(res);
          return;
        }
        const until =
          res.ban.until === undefined ? 'with no end' : `until ${formatDate(res.ban.until)}`;
        const why = res.ban.reason ? ` (${clean(res.ban.reason)})` : '';
        ctx.out.text(
          `banned ${clean(res.user)} ${until}${why}: ${plural(res.sessions, 'session')} ended, ` +
            `${plural(res.sockets, 'connection')} closed`,
        );
      });
    });
}
