import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEASURED } from '../../src/admin/capacity/measured.js';
import { CapacityPlan } from '../../src/admin/capacity/plan.js';
import { ExitCode } from '../../src/admin/exit-codes.js';
import { tmpDir } from '../helpers/processes.js';
import { adminJson, runAdmin } from './run-admin.js';

/** `chat-admin capacity` as a process (the built bin): it reaches no server. */
describe('chat-admin capacity', () => {
  const ask = ['capacity', '--users', '1000000', '--room-size', '50', '--rate', '1000'];

  it('prints the answer, each resource, and the arithmetic behind them', async () => {
    const r = await runAdmin(ask);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.stdout).toMatch(
      /^1,000,000 users in rooms of 50 sending 1,000 msgs\/s \(50,000 deliveries\/s, 20,000 rooms\)/,
    );
    expect(r.stdout).toMatch(/^instances +\d+ +by memory \d+, by CPU \d+: (memory|CPU) decides$/m);
    expect(r.stdout).toMatch(
      /^Redis Cluster masters +\d+ +by CPU \d+, by network \d+, by memory \d+/m,
    );
    expect(r.stdout).toMatch(/^first bottleneck +\S/m);
    expect(r.stdout).toMatch(
      /^instances by memory +ceil\(1,000,000 x [\d.]+ KiB \/ \([\d,.]+ - [\d,.]+ MiB at start\)\)/m,
    );
    expect(r.stdout).toContain(MEASURED.run);
    // Data on stdout only: what is not measured yet is a warning on stderr.
    expect(r.stderr).not.toMatch(/instances/);
  });

  it('prints a JSON plan of the documented shape', async () => {
    const raw = await adminJson<unknown>(ask);
    const plan = CapacityPlan.parse(raw);
    expect(plan.question).toEqual({ users: 1_000_000, roomSize: 50, rate: 1000 });
    expect(plan.instances.needed).toBe(Math.max(plan.instances.byMemory!, plan.instances.byCpu!));
    expect(plan.redis.masters).toBeGreaterThanOrEqual(1);
    expect(plan.steps.length).toBeGreaterThan(10);
  });

  it('takes its costs from --costs and its hosts from flags', async () => {
    const dir = tmpDir('capacity');
    const file = path.join(dir, 'costs.json');
    const costs = structuredClone(MEASURED);
    costs.instance.rssPerConnectionBytes = {
      value: 4 * MEASURED.instance.rssPerConnectionBytes.value!,
      source: 'four times as much',
    };
    writeFileSync(file, JSON.stringify(costs));
    const base = CapacityPlan.parse(await adminJson<unknown>(ask));
    const heavy = CapacityPlan.parse(await adminJson<unknown>([...ask, '--costs', file]));
    expect(heavy.instances.byMemory).toBeGreaterThan(3 * base.instances.byMemory!);
    const big = CapacityPlan.parse(
      await adminJson<unknown>([
        ...ask,
        '--host-memory',
        '256',
        '--host-cores',
        '8',
        '--headroom',
        '50',
      ]),
    );
    expect(big.deployment).toMatchObject({
      hostCores: 8,
      hostMemoryBytes: 256 * 2 ** 30,
      headroom: 0.5,
    });
  });

  it('refuses bad numbers and bad cost files with a usage error, printing no plan', async () => {
    const cases: [string[], RegExp][] = [
      [['--users', 'many', '--room-size', '5', '--rate', '1'], /--users must be a whole number/],
      [
        ['--users', '10', '--room-size', '50', '--rate', '1'],
        /--room-size 50 cannot be larger than --users 10/,
      ],
      [['--users', '10', '--room-size', '5', '--rate', '-3'], /--rate must be a number >= 0/],
      [
        ['--users', '10', '--room-size', '5', '--rate', '1', '--headroom', '0'],
        /--headroom must be a number from 5 to 100, got 0/,
      ],
      [
        ['--users', '10', '--room-size', '5', '--rate', '1', '--headroom', '150'],
        /--headroom must be a number from 5 to 100/,
      ],
      [
        ['--users', '10', '--room-size', '5', '--rate', '1', '--headroom', '5e1'],
        /--headroom must be a number from 5 to 100, got 5e1/,
      ],
      [
        ['--users', '10', '--room-size', '5', '--rate', '1', '--host-memory', '0'],
        /--host-memory must be a number > 0/,
      ],
      [['--users', '10', '--room-size', '5'], /required option '-r, --rate <m>' not specified/],
      [
        ['--users', '10', '--room-size', '5', '--rate', '1', '--costs', '/nonexistent/costs.json'],
        /cannot read --costs/,
      ],
    ];
    for (const [args, why] of cases) {
      const r = await runAdmin(['capacity', ...args]);
      expect(r.code, args.join(' ')).toBe(ExitCode.Usage);
      expect(r.stderr).toMatch(why);
      expect(r.stdout).toBe('');
    }
    const dir = tmpDir('capacity');
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...MEASURED,
        instance: { ...MEASURED.instance, usPerDelivery: { value: -1, source: 'x' } },
      }),
    );
    const r = await runAdmin([
      'capacity',
      '--users',
      '10',
      '--room-size',
      '5',
      '--rate',
      '1',
      '--costs',
      file,
    ]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toMatch(/instance\.usPerDelivery\.value/);
  });

  it('exits 1 with the plan when no deployment of that shape fits', async () => {
    const r = await runAdmin([...ask, '--host-memory', '0.5']);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.stdout).toMatch(/first bottleneck +instance memory/);
    expect(r.stderr).toMatch(/no deployment of this shape fits: instance memory/);
  });
});
