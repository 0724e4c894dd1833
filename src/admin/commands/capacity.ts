import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Costs } from '../capacity/costs.js';
import { MEASURED } from '../capacity/measured.js';
import { planCapacity } from '../capacity/model.js';
import { DEFAULT_DEPLOYMENT, Deployment, Question } from '../capacity/plan.js';
import { planLines } from '../capacity/render.js';
import { withContext } from '../context.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { parseCount, parseNumber } from '../loadtest/options.js';
import { validated } from '../validate.js';

interface CapacityFlags {
  users: string;
  roomSize: string;
  rate: string;
  json?: boolean;
  costs?: string;
  hostCores?: string;
  hostMemory?: string;
  headroom?: string;
  redisMemory?: string;
  redisNet?: string;
  history?: string;
  connects?: string;
}

const GiB = 2 ** 30;

/** A flag's value through a parser; what the parser says is a usage error naming the flag. */
function flag<T>(name: string, raw: string, parse: (raw: string) => T): T {
  try {
    return parse(raw);
  } catch (err) {
    throw new AdminError(ExitCode.Usage, `--${name} ${(err as Error).message}`);
  }
}

function readCosts(file: string): Costs {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AdminError(ExitCode.Usage, `cannot read --costs ${file}: ${(err as Error).message}`);
  }
  return validated(Costs, raw, `use --costs ${file}`);
}

/** A number above 0 (sizes and rates of the hardware). */
function positive(raw: string): number {
  const n = parseNumber(raw);
  if (n === 0) throw new Error(`must be a number > 0, got ${raw}`);
  return n;
}

/** A percentage from 5 to 100. */
function percent(raw: string): number {
  // Decimal, as every number the programs take (`5e1`, `0x50` are not read as 50).
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 5 || n > 100) {
    throw new Error(`must be a number from 5 to 100, got ${raw}`);
  }
  return n;
}

function deployment(f: CapacityFlags): Deployment {
  const d: Deployment = { ...DEFAULT_DEPLOYMENT };
  if (f.hostCores !== undefined)
    d.hostCores = flag('host-cores', f.hostCores, (v) => parseCount(v, 1, 1024));
  if (f.hostMemory !== undefined)
    d.hostMemoryBytes = flag('host-memory', f.hostMemory, positive) * GiB;
  if (f.headroom !== undefined) d.headroom = flag('headroom', f.headroom, percent) / 100;
  if (f.redisMemory !== undefined)
    d.redisMemoryBytes = flag('redis-memory', f.redisMemory, positive) * GiB;
  if (f.redisNet !== undefined)
    d.redisNetBytesPerSec = flag('redis-net', f.redisNet, positive) * 1e6;
  if (f.history !== undefined)
    d.historyMax = flag('history', f.history, (v) => parseCount(v, 0, Number.MAX_SAFE_INTEGER));
  if (f.connects !== undefined)
    d.connectsPerSec = flag('connects', f.connects, (v) => parseNumber(v));
  return validated(Deployment, d, 'plan this deployment');
}

/**
 * `chat-admin capacity --users N --room-size S --rate M`: what a deployment of that size needs,
 * from the capacity model on the bench's measured costs (docs/capacity.md). Reaches no server.
 */
export function capacityCommand(): Command {
  return new Command('capacity')
    .description(
      "what N users in rooms of S sending M msgs/s need (instances, Redis masters, the first bottleneck), from the bench's measured costs",
    )
    .requiredOption('-u, --users <n>', 'connected users (one connection each, in one room)')
    .requiredOption('--room-size <s>', 'members per room')
    .requiredOption('-r, --rate <m>', 'messages per second over all users')
    .option('--json', 'print the plan as one JSON document (documented in docs/capacity.md)')
    .option('--costs <file>', "measured costs to use (JSON; default: the last full bench run's)")
    .option(
      '--host-cores <n>',
      `cores per host, one instance each (default ${DEFAULT_DEPLOYMENT.hostCores})`,
    )
    .option(
      '--host-memory <GiB>',
      `memory per host (default ${DEFAULT_DEPLOYMENT.hostMemoryBytes / GiB})`,
    )
    .option(
      '--headroom <pct>',
      `share of each resource a plan may use (default ${DEFAULT_DEPLOYMENT.headroom * 100})`,
    )
    .option(
      '--redis-memory <GiB>',
      `memory per Redis master (default ${DEFAULT_DEPLOYMENT.redisMemoryBytes / GiB})`,
    )
    .option(
      '--redis-net <MB/s>',
      `network per Redis master (default ${DEFAULT_DEPLOYMENT.redisNetBytesPerSec / 1e6})`,
    )
    .option(
      '--history <n>',
      `messages kept per room, CHAT_HISTORY_MAX (default ${DEFAULT_DEPLOYMENT.historyMax})`,
    )
    .option('--connects <n>', 'connections made per second in steady state (default 0)')
    .action(async (f: CapacityFlags, cmd: Command) => {
      const users = flag('users', f.users, (v) => parseCount(v, 1, 10_000_000_000));
      const roomSize = flag('room-size', f.roomSize, (v) => parseCount(v, 1, 10_000_000_000));
      if (roomSize > users) {
        throw new AdminError(
          ExitCode.Usage,
          `--room-size ${roomSize} cannot be larger than --users ${users}`,
        );
      }
      const question = validated(
        Question,
        { users, roomSize, rate: flag('rate', f.rate, (v) => parseNumber(v)) },
        'plan',
      );
      const d = deployment(f);
      const costs = f.costs === undefined ? MEASURED : readCosts(f.costs);
      const plan = planCapacity(question, costs, d);
      await withContext(cmd, (ctx) => {
        if (f.json) ctx.out.json(plan);
        else ctx.out.text(planLines(plan));
        for (const w of plan.warnings) ctx.out.warn(w);
        return Promise.resolve();
      });
      if (!plan.feasible) {
        throw new AdminError(
          ExitCode.Failed,
          `no deployment of this shape fits: ${plan.firstBottleneck}`,
        );
      }
    });
}
