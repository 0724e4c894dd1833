import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_SERVER } from '../shared/defaults.js';
import { VERSION } from '../shared/version.js';
import { banCommand } from './commands/ban.js';
import { broadcastCommand } from './commands/broadcast.js';
import { capacityCommand } from './commands/capacity.js';
import { configCommand } from './commands/config.js';
import { kickCommand } from './commands/kick.js';
import { loadtestCommand } from './commands/loadtest.js';
import { restartCommand } from './commands/restart.js';
import { roomsCommand } from './commands/rooms.js';
import { statusCommand } from './commands/status.js';
import { unbanCommand } from './commands/unban.js';
import { userCommand } from './commands/user.js';
import { AdminError, EXIT_CODES_HELP, ExitCode } from './exit-codes.js';

/**
 * Every command is a file under `commands/` exporting a factory that builds its `Command`.
 * Adding one is an import above and a line here.
 */
const COMMANDS: (() => Command)[] = [
  statusCommand,
  broadcastCommand,
  restartCommand,
  roomsCommand,
  kickCommand,
  userCommand,
  banCommand,
  unbanCommand,
  loadtestCommand,
  capacityCommand,
  configCommand,
];

const program = new Command()
  .name('chat-admin')
  .description(
    "The chat cluster's operator console: status, broadcast, restarts, rooms, accounts (kick, ban, delete), load tests and capacity plans.",
  )
  .version(VERSION)
  .addOption(
    new Option('-s, --server <url>', `public URL of the cluster (default ${DEFAULT_SERVER})`).env(
      'CHAT_SERVER',
    ),
  )
  .addOption(
    new Option(
      '-t, --token <token>',
      'admin token (default: CHAT_ADMIN_TOKEN, saved config, local token file)',
    ),
  )
  .showHelpAfterError()
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride();

/** Every command, subcommands included (`user list`), reports errors the same way. */
function prepare(cmd: Command): Command {
  cmd.addHelpText('after', `\n${EXIT_CODES_HELP}`).configureOutput({
    writeErr: (s) => process.stderr.write(s),
  });
  cmd.exitOverride();
  cmd.commands.forEach(prepare);
  return cmd;
}

for (const make of COMMANDS) program.addCommand(prepare(make()));

try {
  await program.parseAsync(process.argv);
  process.exit(ExitCode.Ok);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end "with an error" of exit code 0.
    process.exit(err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);
  }
  if (err instanceof AdminError) {
    process.stderr.write(`chat-admin: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`chat-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(ExitCode.Failed);
}
