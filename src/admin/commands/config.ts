import { Command } from 'commander';
import { serverSilence } from '../../shared/server-probe.js';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { isToken, parseServer, savedSettings, TOKEN_RULE } from '../settings.js';

interface ConfigFlags {
  setServer?: string;
  setToken?: string;
  clear?: boolean;
  json?: boolean;
}

/** `chat-admin config`: saves the server and token so later commands need neither flag. */
export function configCommand(): Command {
  return new Command('config')
    .description('show or save the default server and admin token (file readable by you only)')
    .option('--set-server <url>', 'save this server URL')
    .option('--set-token <token>', 'save this admin token')
    .option('--clear', 'forget the saved server and token')
    .option('--json', 'print the saved settings as JSON (the token masked)')
    .action(async (flags: ConfigFlags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const conf = await savedSettings(ctx.env);
        // The global --token is this run's token; here it would read as "save this one".
        if (cmd.optsWithGlobals<{ token?: string }>().token !== undefined) {
          throw new AdminError(
            ExitCode.Usage,
            '--token is the token for one command; to save one, use chat-admin config --set-token',
          );
        }
        // Both checked before anything is saved: a bad value changes nothing.
        const server = flags.setServer === undefined ? undefined : parseServer(flags.setServer);
        if (flags.setToken !== undefined && !isToken(flags.setToken)) {
          throw new AdminError(ExitCode.Usage, TOKEN_RULE('--set-token'));
        }
        if (flags.clear) conf.clear();
        if (server !== undefined) conf.set('server', server);
        if (flags.setToken !== undefined) conf.set('token', flags.setToken);
        const shown = {
          path: conf.path,
          server: conf.get('server') ?? null,
          token: conf.get('token') ? '(saved)' : null,
        };
        // Saved either way (the server may be down for now), but said at once.
        const silence = server === undefined ? undefined : await serverSilence(server);
        if (silence) ctx.out.warn(`saved, but no chat server answers at ${server}: ${silence}`);
        if (flags.json) ctx.out.json(shown);
        else
          ctx.out.text([
            `config  ${shown.path}`,
            `server  ${shown.server ?? '(not set)'}`,
            `token   ${shown.token ?? '(not set)'}`,
          ]);
      });
    });
}
