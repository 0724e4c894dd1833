import { Command } from 'commander';
import { ApiError, logout } from '../../client/api.js';
import { CliError } from '../errors.js';
import { Settings } from '../settings.js';

export function logoutCommand(): Command {
  return new Command('logout')
    .description('end the session on the server and forget its token')
    .option('-s, --server <url>', 'server URL (default: the saved one)')
    .action(async (opts: { server?: string }) => {
      const settings = new Settings();
      const [server] = settings.servers(opts.server) as [string, ...string[]];
      const saved = settings.session(server);
      if (!saved) {
        process.stderr.write(`not logged in to ${server}\n`);
        return;
      }
      settings.forgetSession(server);
      try {
        await logout(server, saved.token);
      } catch (err) {
        if (err instanceof ApiError && err.status !== 401)
          throw new CliError(`token forgotten, but the server did not confirm: ${err.message}`);
      }
      process.stderr.write(`logged out ${saved.user} from ${server}\n`);
    });
}
