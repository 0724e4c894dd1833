import { Command } from 'commander';
import { withContext } from '../context.js';
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
    .option('--json', 'print the status document as JSON (see the README)')
    .option('-w, --watch', 'live full-screen view, refreshed every second (q quits)')
    .action(async (flags: StatusFlags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        if (flags.watch) {
          const { runWatch } = await import('../watch/run-watch.js');
          await runWatch(ctx, await ctx.client());
          return;
        }
        const client = await ctx.client();
        const doc = toStatusDocument(await client.call('admin:status', {}));
        if (flags.json) ctx.out.json(doc);
        else ctx.out.text(statusLines(doc));
      });
    });
}
