import { Command } from 'commander';
import { DEFAULT_SERVER } from '../../shared/defaults.js';
import { CliError, Exit } from '../errors.js';
import { readStdin } from '../prompt.js';
import { loginAndSave, loginSummary, promptLogin } from '../session.js';
import { Settings } from '../settings.js';

export function loginCommand(): Command {
  return new Command('login')
    .description(
      'log in (a new name registers, its password asked twice) and save the session for the server',
    )
    .option(
      '-s, --server <url>',
      `server URL, saved as the default (default: the saved one, else ${DEFAULT_SERVER})`,
    )
    .option('-u, --user <name>', 'user name')
    .option(
      '--password-stdin',
      'read the password from stdin (for scripts: one step, a new name registers at once)',
    )
    .action(async (opts: { server?: string; user?: string; passwordStdin?: boolean }) => {
      const settings = new Settings();
      const [server] = settings.servers(opts.server) as [string, ...string[]];
      let session;
      if (opts.passwordStdin) {
        const user = opts.user ?? settings.get('user');
        if (!user) throw new CliError('--password-stdin needs --user NAME', Exit.Usage);
        session = await loginAndSave(settings, server, user, await readStdin());
      } else {
        if (!process.stdin.isTTY)
          throw new CliError('no terminal to ask for a password: use --password-stdin', Exit.Usage);
        session = await promptLogin(settings, server, opts.user);
      }
      process.stderr.write(`${loginSummary(server, session)}\n`);
      // The server logged in to is the one the next run means: `join`, `send` and `tail`
      // without --server go there.
      if (opts.server) {
        const before = settings.get('server');
        settings.set('server', opts.server);
        const now = settings.get('server');
        if (now !== before)
          process.stderr.write(
            `${now} is now the default server (chat-tui config set server URL changes it)\n`,
          );
      }
    });
}
