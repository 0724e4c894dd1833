import { Command, InvalidArgumentError, Option } from 'commander';
import { DrainReason, INSTANCE_ID_PATTERN } from '../protocol/index.js';
import { stateDir } from '../shared/state-dir.js';
import {
  instanceConfig,
  parsePort,
  redisTarget,
  resolveServerSettings,
  type SettingFlags,
} from './config/config.js';
import { configReport, formatReport } from './config/config-report.js';
import { startInstance } from './instance.js';
import { EXIT_ID_IN_USE, IdInUseError } from './ops/instance-id.js';
import { createLogger } from './ops/logger.js';
import { redisServerAvailable } from './local-cluster/private-redis.js';
import { clusterLogFile } from './local-cluster/log-file.js';
import { makePrivateDir, runCluster } from './local-cluster/supervisor.js';
import { VERSION } from '../shared/version.js';
import { MALLOC_TUNABLE, mallocUntuned } from './ops/malloc-tuning.js';
import { setHeapGrowth } from './ops/storm-compactor.js';
import { wholeNumber } from '../shared/settings.js';

/** How long an instance whose supervisor died may take to drain before it just exits. */
const SUPERVISOR_LOST_EXIT_MS = 2000;

function portArg(v: string): number {
  try {
    return parsePort(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function countArg(v: string): number {
  const n = wholeNumber(v);
  if (n === undefined || n < 1 || n > 64) {
    throw new InvalidArgumentError('must be an integer from 1 to 64');
  }
  return n;
}

function fatal(message: string, code = 1): never {
  process.stderr.write(`chat-server: ${message}\n`);
  process.exit(code);
}

interface InstanceFlags {
  port?: number;
  host?: string;
  redis?: string;
  redisCluster?: string;
  id?: string;
  supervised?: boolean;
  /** Under the local supervisor in a terminal: every log line here, warnings also on stderr. */
  logFile?: string;
}

/** The flags given (a flag left empty is no flag), by the setting each one sets. */
function settingFlags(flags: InstanceFlags): SettingFlags {
  const out: SettingFlags = {};
  if (flags.port !== undefined) out.port = String(flags.port);
  if (flags.host) out.host = flags.host;
  if (flags.redis) out.redisUrl = flags.redis;
  if (flags.redisCluster) out.redisClusterNodes = flags.redisCluster;
  if (flags.id) out.instanceId = flags.id;
  return out;
}

async function runInstance(flags: InstanceFlags): Promise<void> {
  let cfg: ReturnType<typeof instanceConfig>;
  try {
    cfg = instanceConfig(process.env, settingFlags(flags), Boolean(flags.supervised));
  } catch (err) {
    fatal((err as Error).message);
  }
  // Set before the instance allocates anything sizable; V8 reads it whenever a full GC sets
  // the next heap limit. Messages die young and cost no full GC; what grows the old space is
  // a storm of connects and joins (requests in flight across Redis round trips promoted).
  // Held at 25 % past the live heap outside storms, the old space stays near what sockets
  // hold; in a storm the heartbeat's StormCompactor lifts the limit (a full GC every few
  // megabytes of promotion would take the cores the storm needs) and, once it is over, gives
  // what it grew back.
  if (cfg.heap === 'small') setHeapGrowth(false);
  if (!INSTANCE_ID_PATTERN.test(cfg.instanceId)) {
    fatal(
      `instance id must match ${INSTANCE_ID_PATTERN.source}, got ${JSON.stringify(cfg.instanceId)}`,
    );
  }
  const log = createLogger(
    cfg.logLevel,
    { instance: cfg.instanceId },
    cfg.logFormat,
    flags.logFile,
  );
  if (mallocUntuned()) {
    log.info(
      { set: `GLIBC_TUNABLES=${MALLOC_TUNABLE}` },
      'glibc malloc keeps what password hashes free: set this for a smaller footprint after login storms (docs/configuration.md)',
    );
  }
  process.on('unhandledRejection', (reason) => {
    log.warn(
      { reason: reason instanceof Error ? reason.message : String(reason) },
      'unhandled rejection',
    );
  });
  const running = await startInstance(cfg, log).catch((err: Error) =>
    fatal(err.message, err instanceof IdInUseError ? EXIT_ID_IN_USE : 1),
  );
  const drain = (): void => void running.ctx.drain(DrainReason.Shutdown);
  process.on('SIGTERM', drain);
  // Under the local supervisor a terminal Ctrl-C reaches every process of the group; the
  // supervisor decides, so the instance waits for its SIGTERM.
  process.on('SIGINT', cfg.supervised ? () => undefined : drain);
  if (cfg.supervised) {
    // The supervisor is gone (SIGKILL too closes the channel): its public port with it, and
    // its private Redis is being stopped. Tell the clients, then do not linger.
    process.on('disconnect', () => {
      drain();
      setTimeout(() => process.exit(1), SUPERVISOR_LOST_EXIT_MS).unref();
    });
  }
  await running.closed;
  // 0, or what the instance set on its way out (EXIT_ID_IN_USE: it yielded its id to a twin).
  process.exit();
}

const program = new Command()
  .name('chat-server')
  .description('Run the chat cluster: a local cluster behind one port, or one instance.')
  .version(VERSION)
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('start')
  .description('start a local cluster of instances behind one port (and a private Redis if needed)')
  .addOption(
    new Option('-n, --instances <n>', 'number of instances').argParser(countArg).default(3),
  )
  .addOption(
    new Option('-p, --port <port>', 'public port').env('PORT').argParser(portArg).default(3000),
  )
  .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default('127.0.0.1'))
  .addOption(
    new Option('--redis <url>', 'Redis URL (default: a private redis-server)').env('REDIS_URL'),
  )
  .addOption(
    new Option('--redis-cluster <nodes>', 'Redis Cluster nodes, host:port,host:port,...').env(
      'REDIS_CLUSTER_NODES',
    ),
  )
  .addOption(
    new Option('--state-dir <dir>', 'where private Redis data and the admin token live').env(
      'CHAT_STATE_DIR',
    ),
  )
  .option(
    '--verbose',
    'in a terminal, print every log line there (by default they go to cluster.log in the state directory, and the terminal shows warnings and errors)',
  )
  .action(
    async (flags: {
      instances: number;
      port: number;
      host: string;
      redis?: string;
      redisCluster?: string;
      stateDir?: string;
      verbose?: boolean;
    }) => {
      const env = process.env;
      let settings: ReturnType<typeof resolveServerSettings>;
      try {
        // Refuses malformed settings and conflicting Redis ones before anything starts.
        settings = resolveServerSettings(env, settingFlags(flags));
        redisTarget(settings);
      } catch (err) {
        fatal((err as Error).message);
      }
      if (!flags.redis && !flags.redisCluster && !redisServerAvailable()) {
        fatal(
          'no Redis to use. Install redis-server (Debian/Ubuntu: apt-get install redis-server; ' +
            'macOS: brew install redis) so a private one can be started, or set REDIS_URL ' +
            '(or --redis) to an existing server, e.g. REDIS_URL=redis://127.0.0.1:6379',
        );
      }
      const dir = flags.stateDir ?? stateDir(env);
      // In a terminal the banner (URL, instances, token file) stays the last thing printed:
      // log lines go to a file and only warnings and errors show. Piped (a service, a test),
      // every line goes to stderr as it would for one instance.
      let logFile: string | undefined;
      if (process.stderr.isTTY && !flags.verbose) {
        try {
          makePrivateDir(dir);
        } catch (err) {
          fatal((err as Error).message);
        }
        logFile = clusterLogFile(dir);
      }
      const log = createLogger(
        settings.logLevel.value!,
        { role: 'supervisor' },
        settings.logFormat.value,
        logFile,
      );
      try {
        await runCluster({
          instances: flags.instances,
          host: flags.host,
          port: flags.port,
          redisUrl: flags.redis,
          redisClusterNodes: flags.redisCluster,
          stateDir: dir,
          env,
          log,
          logFile,
          out: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (err) {
        fatal((err as Error).message);
      }
      process.exit(0);
    },
  );

program
  .command('instance')
  .description('run one instance (what a container or a process manager runs)')
  .addOption(new Option('-p, --port <port>', 'port').env('PORT').argParser(portArg))
  .addOption(new Option('--host <host>', 'address to listen on').env('HOST'))
  .addOption(new Option('--redis <url>', 'Redis URL').env('REDIS_URL'))
  .addOption(
    new Option('--redis-cluster <nodes>', 'Redis Cluster nodes, host:port,host:port,...').env(
      'REDIS_CLUSTER_NODES',
    ),
  )
  .addOption(new Option('--id <id>', 'instance id').env('CHAT_INSTANCE_ID'))
  .addOption(new Option('--supervised', 'run under the local cluster supervisor').hideHelp())
  .addOption(
    new Option('--log-file <file>', 'log to this file; warnings also to stderr').hideHelp(),
  )
  .action(runInstance);

program
  .command('config')
  .description(
    'print the configuration an instance would run with (value and source: flag, env or default; secrets masked)',
  )
  .option('-p, --port <port>', 'port')
  .option('--host <host>', 'address to listen on')
  .option('--redis <url>', 'Redis URL')
  .option('--redis-cluster <nodes>', 'Redis Cluster nodes, host:port,host:port,...')
  .option('--id <id>', 'instance id')
  .option('--json', 'print JSON')
  .action((flags: Omit<InstanceFlags, 'port'> & { port?: string; json?: boolean }) => {
    let entries: ReturnType<typeof configReport>;
    try {
      const given: SettingFlags = settingFlags({ ...flags, port: undefined });
      if (flags.port !== undefined) given.port = flags.port;
      const settings = resolveServerSettings(process.env, given);
      redisTarget(settings);
      entries = configReport(settings);
    } catch (err) {
      fatal((err as Error).message);
    }
    process.stdout.write(
      flags.json ? `${JSON.stringify({ settings: entries }, null, 2)}\n` : formatReport(entries),
    );
  });

await program.parseAsync(process.argv);
