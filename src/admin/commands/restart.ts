import { Command, InvalidArgumentError } from 'commander';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { parseDuration } from '../output.js';
import {
  awaitReplacement,
  liveInstances,
  requestRestart,
  restartInstance,
  type PendingRestart,
  type RestartOutcome,
} from '../restart.js';

interface RestartFlags {
  all?: boolean;
  rolling?: boolean;
  timeout: number;
  json?: boolean;
}

function durationArg(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError('expected a duration such as 60s, 2m or 1500ms');
  }
  return ms;
}

/** `chat-admin restart <instance...> | --all | --rolling [--timeout 60s] [--json]`. */
export function restartCommand(): Command {
  return new Command('restart')
    .description(
      'gracefully restart instances: each drains, exits and is started again by its supervisor; ' +
        'waits until every replacement (new boot id) is ready',
    )
    .argument('[instance...]', 'instance ids (see `chat-admin status`)')
    .option('--all', 'every live instance, all at once')
    .option(
      '--rolling',
      'one instance at a time (all, or those named), moving on only once the replacement is ready and its clients are back',
    )
    .option(
      '--timeout <duration>',
      'how long to wait for each replacement (and, rolling, its clients)',
      durationArg,
      60_000,
    )
    .option('--json', 'print {restarted:[{instanceId, oldBootId, newBootId, tookMs, ...}]} as JSON')
    .action(async (ids: string[], flags: RestartFlags, cmd: Command) => {
      if (ids.length > 0 && flags.all) {
        cmd.error('name instances or use --all, not both', { exitCode: ExitCode.Usage });
      }
      if (ids.length === 0 && !flags.all && !flags.rolling) {
        cmd.error('name the instances to restart, or use --all or --rolling', {
          exitCode: ExitCode.Usage,
        });
      }
      await withContext(cmd, async (ctx) => {
        const client = await ctx.client();
        const targets = ids.length > 0 ? ids : (await liveInstances(client)).map((i) => i.id);
        if (targets.length === 0) throw new AdminError(ExitCode.Failed, 'no live instances');
        const progress = (line: string): void => ctx.out.progress(line);
        const done: RestartOutcome[] = [];
        const report = (failed?: { instanceId: string; error: string }): void => {
          if (flags.json) ctx.out.json({ restarted: done, ...(failed ? { failed } : {}) });
          else
            ctx.out.text(
              done.map(
                (r) =>
                  `${r.instanceId}  boot ${r.oldBootId} -> ${r.newBootId}  ${(r.tookMs / 1000).toFixed(1)} s  clients ${r.clientsBefore} -> ${r.clientsAfter}`,
              ),
            );
        };
        const rollOne = (id: string): Promise<RestartOutcome> =>
          restartInstance(client, id, { timeoutMs: flags.timeout, waitForClients: true, progress });
        const fail = (id: string, err: unknown): never => {
          report({ instanceId: id, error: err instanceof Error ? err.message : String(err) });
          throw err;
        };
        if (flags.rolling) {
          progress(`rolling restart of ${targets.join(', ')}`);
          for (const [n, id] of targets.entries()) {
            progress(`[${n + 1}/${targets.length}] ${id}`);
            done.push(await rollOne(id).catch((err: unknown) => fail(id, err)));
          }
        } else {
          // Ask every instance first (each answers at once), then wait for them together.
          const pending: PendingRestart[] = [];
          for (const id of targets) {
            pending.push(
              await requestRestart(client, id, progress).catch((e: unknown) => fail(id, e)),
            );
          }
          const settled = await Promise.allSettled(
            pending.map((p) =>
              awaitReplacement(client, p, {
                timeoutMs: flags.timeout,
                waitForClients: false,
                progress,
              }),
            ),
          );
          for (const r of settled) if (r.status === 'fulfilled') done.push(r.value);
          const bad = settled.findIndex((r) => r.status === 'rejected');
          const first = settled[bad];
          if (first?.status === 'rejected') fail(targets[bad]!, first.reason);
        }
        report();
      });
    });
}
