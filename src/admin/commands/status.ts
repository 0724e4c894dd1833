import { Command } from 'commander';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { toStatusDocument } from '../status-document.js';
import { statusLines } from '../status-text.js';

interface StatusFlags {
  json?: boolean;
  watch?: boolean;
}

/** `chat-admin status [--watch] [--json]`. */
export function statusCommand(): Command {
  return new Command('status')
    .description('per-instance status, cluster totals and Redis health')
    .option('--json', 'print the status document as JSON (documented in docs/operations.md)')
    .option('-w, --watch', 'live full-screen view, refreshed every second (q quits)')
    .action(async (flags: StatusFlags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        if (flags.watch) {
          const { runWatch } = await import('../watch/run-watch.js');
          await runWatch(ctx, await ctx.client());
          return;
        }
        const client = await ctx.client();
        const status = await client.call('admin:status', {});
        const doc = toStatusDocument(status);
        if (flags.json) ctx.out.json(doc);
        else ctx.out.text(statusLines(doc));
        for (const w of status.warnings ?? []) ctx.out.warn(w);
        // What could be shown was shown; the exit code still says Redis is away.
        if (!status.redis.ok) {
          throw new AdminError(
            ExitCode.Unreachable,
            `Redis is unreachable from ${status.answeredBy}${status.redis.error ? ` (${status.redis.error})` : ''}`,
          );
        }
      });
    });
}
