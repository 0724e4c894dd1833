import { Command } from 'commander';
import { ChatClient } from '../../client/chat-client.js';
import { CliError, Exit } from '../errors.js';
import { checkRoom } from '../room-name.js';
import { obtainSession } from '../session.js';
import { Settings } from '../settings.js';

export function joinCommand(): Command {
  return new Command('join')
    .description('open the full-screen chat in one or more rooms')
    .argument('<room...>', 'room(s) to join; @user opens the direct conversation with user')
    .option(
      '-s, --server <url>',
      'server URL; several, comma-separated, are rotated through on reconnects',
    )
    .option(
      '-u, --user <name>',
      'user name (asks to log in if the saved session is another user’s)',
    )
    .action(async (rooms: string[], opts: { server?: string; user?: string }) => {
      const names = rooms.map(checkRoom);
      if (!process.stdin.isTTY || !process.stdout.isTTY)
        throw new CliError(
          'chat-tui join needs a terminal (stdin and stdout must be a TTY); for scripts use chat-tui send / chat-tui tail',
          Exit.Usage,
        );
      const settings = new Settings();
      const servers = settings.servers(opts.server);
      const session = await obtainSession(settings, servers[0]!, {
        user: opts.user,
        interactive: true,
      });
      const client = new ChatClient({ servers, token: session.token, openDirects: true });
      // Ink loads only for the full-screen client: script commands start faster without it.
      const { runTui } = await import('../tui/run-tui.js');
      await runTui(client, session.user, names);
    });
}
