import { Command, CommanderError } from 'commander';
import { configCommand } from './commands/config.js';
import { joinCommand } from './commands/join.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { sendCommand } from './commands/send.js';
import { tailCommand } from './commands/tail.js';
import { CliError, Exit } from './errors.js';
import { sanitizeInline } from './sanitize.js';

/**
 * chat-tui: the terminal chat client. Stdout carries data only (message ids, messages,
 * settings); errors and progress go to stderr. Exit codes: 0 ok, 1 error, 2 usage.
 */
function program(): Command {
  const p = new Command('chat-tui')
    .description('terminal chat client for the chat-tui cluster')
    .showHelpAfterError('(chat-tui --help lists the commands)');
  for (const cmd of [
    joinCommand(),
    loginCommand(),
    logoutCommand(),
    configCommand(),
    sendCommand(),
    tailCommand(),
  ])
    p.addCommand(cmd);
  const exitOverride = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  exitOverride(p);
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Exit.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are fine; help shown because no command was given is a usage error.
      const ok = ['commander.helpDisplayed', 'commander.version'];
      return ok.includes(err.code) ? Exit.Ok : Exit.Usage;
    }
    // An error often carries what a server said: one line, nothing a terminal would act on.
    const say = (message: string): void =>
      void process.stderr.write(`chat-tui: ${sanitizeInline(message, 2000)}\n`);
    if (err instanceof CliError) {
      say(err.message);
      return err.exitCode;
    }
    say(err instanceof Error ? err.message : String(err));
    return Exit.Error;
  }
}

process.exitCode = await main(process.argv);
// Sockets and timers of a finished command must not keep the process alive.
process.exit();
