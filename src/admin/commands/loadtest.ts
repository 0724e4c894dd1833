import { Command, InvalidArgumentError, Option } from 'commander';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import {
  durationFlag,
  parseCount,
  parseNumber,
  resolveOptions,
  type RawLoadtestFlags,
} from '../loadtest/options.js';
import { clean } from '../output.js';

/** Wraps a parser so commander reports its message as a usage error (exit 2). */
function arg<T>(parse: (raw: string) => T): (raw: string) => T {
  return (raw) => {
    try {
      return parse(raw);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

interface Flags extends RawLoadtestFlags {
  json?: boolean;
}

/**
 * `chat-admin loadtest --clients N [...]`: virtual users (the TUI's own client) spread over
 * worker processes; live progress on stderr; the report on stdout; thresholds decide the
 * exit code (1 when one is missed).
 */
export function loadtestCommand(): Command {
  return new Command('loadtest')
    .description(
      'run N virtual users against the cluster (real accounts, sessions, rooms and messages) and report what they saw',
    )
    .requiredOption(
      '-c, --clients <n>',
      'virtual users',
      arg((v) => parseCount(v, 1, 1_000_000)),
    )
    .option(
      '-r, --rooms <n>',
      'rooms (default: one per 50 users)',
      arg((v) => parseCount(v, 1, 100_000)),
    )
    .option(
      '--rate <m>',
      'messages per second over all users (default: clients / 10)',
      arg((v) => parseNumber(v, 0)),
    )
    .addOption(
      new Option('-d, --duration <time>', 'steady phase after the ramp (e.g. 30s, 2m)')
        .argParser(arg(durationFlag))
        .default(30_000, '30s'),
    )
    .addOption(
      new Option('--ramp <time>', 'time over which users connect')
        .argParser(arg(durationFlag))
        .default(10_000, '10s'),
    )
    .addOption(
      new Option(
        '--drain <time>',
        'wait this long at most, after sending stops, for late deliveries',
      )
        .argParser(arg(durationFlag))
        .default(10_000, '10s'),
    )
    .option(
      '-w, --workers <k>',
      'worker processes (default: number of cores)',
      arg((v) => parseCount(v, 1, 256)),
    )
    .option('--json', 'print the report as one JSON document')
    .option(
      '--max-p99 <ms>',
      'fail (exit 1) if end-to-end p99 latency exceeds this',
      arg((v) => parseNumber(v)),
    )
    .option(
      '--max-lost <n>',
      'fail (exit 1) if more messages than this are lost',
      arg((v) => parseCount(v, 0, Number.MAX_SAFE_INTEGER)),
    )
    .option(
      '--max-connect-fail <n>',
      'fail (exit 1) if more clients than this fail to connect',
      arg((v) => parseCount(v, 0, Number.MAX_SAFE_INTEGER)),
    )
    .option(
      '--max-send-fail <n>',
      'fail (exit 1) if more sends than this are refused or never acknowledged',
      arg((v) => parseCount(v, 0, Number.MAX_SAFE_INTEGER)),
    )
    .action(async (flags: Flags, cmd: Command) => {
      let opts;
      try {
        opts = resolveOptions(flags);
      } catch (err) {
        throw new AdminError(ExitCode.Usage, (err as Error).message);
      }
      await withContext(cmd, async (ctx) => {
        // The runner (workers, histograms) and its views load only for a run.
        const [{ runLoadtest }, { renderReport }, { plainView }] = await Promise.all([
          import('../loadtest/runner.js'),
          import('../loadtest/report.js'),
          import('../loadtest/views.js'),
        ]);
        const client = await ctx.client();
        const warn = (l: string): void => ctx.out.warn(l);
        const view = process.stderr.isTTY
          ? (await import('../loadtest/ink-view.js')).inkView(warn)
          : plainView((l) => ctx.out.progress(l), warn);
        const report = await runLoadtest(client, (await ctx.target()).server, opts, view);
        if (flags.json) ctx.out.json(report);
        else ctx.out.text(renderReport(report, clean));
        if (!report.passed) {
          throw new AdminError(ExitCode.Failed, 'load test thresholds missed (see the report)');
        }
      });
    });
}
