import { render } from 'ink';
import type { AdminClient } from '../connection.js';
import type { CommandContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { toStatusDocument, type StatusDocument } from '../status-document.js';
import { WatchApp } from './WatchApp.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/** Runs the full-screen watch view until q; needs a terminal. */
export async function runWatch(ctx: CommandContext, client: AdminClient): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new AdminError(
      ExitCode.Usage,
      '--watch needs a terminal; for scripts use `chat-admin status --json`',
    );
  }
  const fetchStatus = async (): Promise<StatusDocument> =>
    toStatusDocument(await client.call('admin:status', {}, 3000));
  // By hand rather than a full-screen wrapper: the terminal comes back even after a crash.
  process.stdout.write(ENTER_ALT_SCREEN);
  const leave = (): void => void process.stdout.write(LEAVE_ALT_SCREEN);
  process.once('exit', leave);
  try {
    const { server } = await ctx.target();
    const app = render(<WatchApp server={server} fetchStatus={fetchStatus} />, {
      exitOnCtrlC: true,
    });
    await app.waitUntilExit();
  } finally {
    leave();
    process.off('exit', leave);
  }
}
