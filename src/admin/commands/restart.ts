import { Command, InvalidArgumentError, Option } from 'commander';
import { INSTANCE_ID_PATTERN } from '../../protocol/index.js';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { parseDuration, type Output } from '../output.js';
import {
  currentStatus,
  restartLimit,
  restartPool,
  type PoolResult,
  type RestartOutcome,
} from '../restart.js';

interface RestartFlags {
  all?: boolean;
  rolling?: boolean;
  force?: boolean;
  timeout: number;
  json?: boolean;
}

function durationArg(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError(
      'expected a duration such as 60s, 2m or 1500ms (a bare number is seconds)',
    );
  }
  return ms;
}

/** `chat-admin restart <instance...> | --all | --rolling [--force] [--timeout 60s] [--json]`. */
export function restartCommand(): Command {
  return new Command('restart')
    .description(
      'gracefully restart instances: each drains, exits and is started again by its supervisor; ' +
        'waits until every replacement (new boot id) is ready',
    )
    .argument('[instance...]', 'instance ids (see `chat-admin status`)')
    .option(
      '--all',
      'every live instance, concurrently, but always leaving one serving (see --force)',
    )
    .option(
      '--rolling',
      'one instance at a time (all, or those named), moving on only once the replacement is ready and its clients are back',
    )
    .option('--force', 'restart every instance named (or all) at once, even leaving none serving')
    .addOption(
      new Option(
        '--timeout <duration>',
        'how long to wait for each replacement (and, rolling, its clients); a bare number is seconds',
      )
        .argParser(durationArg)
        .default(60_000, '60s'),
    )
    .option('--json', 'print {restarted:[{instanceId, oldBootId, newBootId, tookMs, ...}]} as JSON')
    .action(async (ids: string[], flags: RestartFlags, cmd: Command) => {
      if (ids.length > 0 && flags.all) {
        cmd.error('name instances or use --all, not both', { exitCode: ExitCode.Usage });
      }
      const malformed = ids.filter((id) => !INSTANCE_ID_PATTERN.test(id));
      if (malformed.length > 0) {
        cmd.error(
          `not an instance id: ${malformed.map((id) => JSON.stringify(id)).join(', ')} (see chat-admin status)`,
          { exitCode: ExitCode.Usage },
        );
      }
      if (ids.length === 0 && !flags.all && !flags.rolling) {
        cmd.error('name the instances to restart, or use --all or --rolling', {
          exitCode: ExitCode.Usage,
        });
      }
      await withContext(cmd, async (ctx) => {
        const client = await ctx.client();
        const status = await currentStatus(client);
        client.learn(status);
        const live = status.instances.map((i) => i.id);
        // Every name is checked before anything starts: a typo restarts nothing.
        const unknown = ids.filter((id) => !live.includes(id));
        if (unknown.length > 0) {
          throw new AdminError(
            ExitCode.Failed,
            `no live instance ${unknown.join(', ')} (live: ${live.join(', ') || 'none'})`,
          );
        }
        // Concurrent restarts leave the instance answering us for last: its drain is what
        // moves our own connection. A rolling restart keeps the order given (or the ids').
        const ours = (id: string): number => (id === status.answeredBy && !flags.rolling ? 1 : 0);
        const targets = [...new Set(ids.length > 0 ? ids : live)].sort((a, b) => ours(a) - ours(b));
        if (targets.length === 0) throw new AdminError(ExitCode.Failed, 'no live instances');
        // Throws when it would leave no instance serving (unless --force).
        const limit = flags.rolling ? 1 : restartLimit(targets, live, Boolean(flags.force));
        if (flags.rolling) restartLimit(targets, live, Boolean(flags.force));
        const progress = (line: string): void => ctx.out.progress(line);
        progress(
          flags.rolling
            ? `rolling restart of ${targets.join(', ')}`
            : `restarting ${targets.join(', ')}, at most ${limit} at a time`,
        );
        const opts = { timeoutMs: flags.timeout, waitForClients: Boolean(flags.rolling), progress };
        // The instance answering us goes once every other is back: its drain moves our
        // connection, to an instance whose address the status we read last has (one still
        // restarting would have none yet).
        const others = targets.filter((id) => ours(id) === 0);
        const last = targets.filter((id) => ours(id) === 1);
        const result: PoolResult = await restartPool(client, others, limit, opts);
        if (!result.failure && last.length > 0) {
          const after = await restartPool(client, last, 1, opts);
          result.done.push(...after.done);
          if (after.failure) result.failure = after.failure;
        }
        report(ctx.out, result, flags.json);
        if (result.failure) throw result.failure.error;
      });
    });
}

function report(out: Output, { done, failure }: PoolResult, json: boolean | undefined): void {
  const line = (r: RestartOutcome): string =>
    `${r.instanceId}  boot ${r.oldBootId} -> ${r.newBootId}  ${(r.tookMs / 1000).toFixed(1)} s  clients ${r.clientsBefore} -> ${r.clientsAfter}`;
  if (json) {
    const failed = failure && {
      instanceId: failure.instanceId,
      error: failure.error instanceof Error ? failure.error.message : String(failure.error),
    };
    out.json({ restarted: done, ...(failed ? { failed } : {}) });
  } else if (done.length > 0) out.text(done.map(line));
}
