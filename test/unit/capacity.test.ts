import { describe, expect, it } from 'vitest';
import { Costs, listCosts, type Cost } from '../../src/admin/capacity/costs.js';
import { MEASURED } from '../../src/admin/capacity/measured.js';
import { fewest, planCapacity, roomSpan } from '../../src/admin/capacity/model.js';
import {
  CapacityPlan,
  DEFAULT_DEPLOYMENT,
  Question,
  type Deployment,
} from '../../src/admin/capacity/plan.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const none: Cost = { value: null, source: 'test' };
const is = (value: number): Cost => ({ value, source: 'test' });

/** Costs with round figures, every other cost unmeasured. */
function roundCosts(): Costs {
  const blank = structuredClone(MEASURED);
  for (const { name } of listCosts(blank)) {
    const [part, key] = name.split('.') as ['instance' | 'redis', string];
    (blank[part] as Record<string, Cost>)[key] = none;
  }
  Object.assign(blank.instance, {
    rssStartBytes: is(100 * MiB),
    rssPerConnectionBytes: is(16_384),
    idleUsPerConnectionSec: is(10),
    usPerDelivery: is(10),
    trafficBaseUsPerSec: is(100_000),
  });
  Object.assign(blank.redis, {
    usPerMessage: is(100),
    idleUsPerRoomInstanceSec: is(20),
    commandsPerMessage: is(5),
    idleCommandsPerRoomInstanceSec: is(7),
    historyEntryBytes: is(100),
    bytesInPerMessage: is(300),
    bytesPerPush: is(200),
  });
  return Costs.parse(blank);
}

const small: Deployment = {
  hostCores: 4,
  hostMemoryBytes: 4 * GiB,
  headroom: 0.5,
  redisMemoryBytes: GiB,
  redisNetBytesPerSec: 1e6,
  historyMax: 1000,
  dedupeTtlSec: 0,
  connectsPerSec: 0,
};

describe('capacity model (no network)', () => {
  it('answers a case worked by hand', () => {
    const p = planCapacity({ users: 100_000, roomSize: 10, rate: 1000 }, roundCosts(), small);
    expect(p.load.rooms).toBe(10_000);
    expect(p.load.deliveriesPerSec).toBe(10_000);
    // 512 MiB an instance may use; ceil(100000 x 16 KiB / (512 - 100) MiB) = ceil(3.79).
    expect(p.instances.byMemory).toBe(4);
    // CPU per instance at I: 0.1 + (100000 x 10 + 10000 x 10) µs / I = 0.1 + 1.1 / I <= 0.5.
    expect(p.instances.byCpu).toBe(3);
    expect(p.instances.needed).toBe(4);
    expect(p.instances.binding).toBe('memory');
    expect(p.instances.hosts).toBe(1);
    expect(p.instances.perInstance.cpuCores).toBeCloseTo(0.375, 6);
    // A room of 10 over 4 instances spans 4 x (1 - 0.75^10) of them.
    expect(p.load.instancesPerRoom).toBeCloseTo(3.774746, 5);
    // (1000 x 100 + 37747.46 pairs x 20) µs/s.
    expect(p.redis.cores).toBeCloseTo(0.854949, 5);
    expect(p.redis.opsPerSec).toBeCloseTo(269_232.2, 0);
    expect(p.redis.bytesPerSec).toBeCloseTo(1_054_949, -1);
    expect(p.redis.memoryBytes.history).toBe(1e9);
    expect([p.redis.byCpu, p.redis.byNetwork, p.redis.byMemory]).toEqual([2, 3, 2]);
    expect(p.redis.masters).toBe(3);
    expect(p.redis.binding).toBe('network');
    expect(p.firstBottleneck).toMatch(/^instance memory \(48 %/);
    expect(p.feasible).toBe(true);
    // Every figure is shown with its arithmetic.
    expect(p.steps.find((s) => s.what === 'instances by memory')?.formula).toContain('16 KiB');
    expect(CapacityPlan.parse(p)).toEqual(p);
  });

  it("counts Redis's idle cost per instance beside the one per (room, instance) pair", () => {
    const c = roundCosts();
    c.redis.idleUsPerInstanceSec = is(5000);
    c.redis.idleCommandsPerInstanceSec = is(30);
    c.redis.idleBytesPerInstanceSec = is(2000);
    const p = planCapacity({ users: 100_000, roomSize: 10, rate: 1000 }, c, small);
    // The case worked by hand above, with 4 instances x 5000 µs/s, 30 commands/s, 2000 B/s more.
    expect(p.instances.needed).toBe(4);
    expect(p.redis.cores).toBeCloseTo(0.854949 + 0.02, 5);
    expect(p.redis.opsPerSec).toBeCloseTo(269_232.2 + 120, 0);
    expect(p.redis.bytesPerSec).toBeCloseTo(1_054_949 + 8000, -1);
    expect(p.steps.find((s) => s.what === 'Redis CPU')?.formula).toContain(
      '4 instances x 5,000 µs',
    );
  });

  it("charges a message's own part once and its hearing to every instance serving its room", () => {
    const q = { users: 100_000, roomSize: 10, rate: 1000 };
    const c = roundCosts();
    c.instance.usPerMessage = is(120);
    const cpu = (p: CapacityPlan): number => p.instances.perInstance.cpuCores;
    // Not measured how much of it hearing is: all 120 µs on each of the 3.77 instances a room
    // spans (at the 4 instances memory needs): 1000 x 3.7747 x 120 µs / 4 = 0.1132 cores more.
    const whole = planCapacity(q, c, small);
    expect(whole.instances.needed).toBe(4);
    expect(cpu(whole)).toBeCloseTo(0.375 + 0.113242, 5);
    expect(whole.steps.find((s) => s.what.startsWith('CPU per instance'))?.formula).toContain(
      '1,000 msgs/s x 3.77 instances serving each x 120 µs / 4',
    );
    // Measured: 80 µs on the sender's instance, 40 µs on each instance serving the room.
    c.instance.usPerMessage = is(80);
    c.instance.usPerMessageHeard = is(40);
    const split = planCapacity(q, c, small);
    expect(split.instances.needed).toBe(4);
    expect(cpu(split)).toBeCloseTo(0.375 + (1000 * (80 + 3.774746 * 40)) / 4 / 1e6, 5);
    expect(split.steps.find((s) => s.what.startsWith('CPU per instance'))?.formula).toContain(
      '1,000 msgs/s x (80 µs sent + 3.77 instances serving each x 40 µs heard) / 4',
    );
    // Unmeasured, hearing is listed and said, but not counted as 0.
    expect(whole.costs.unmeasured.map((u) => u.name)).toContain('instance.usPerMessageHeard');
    expect(whole.warnings).toContain(
      "what an instance spends hearing a message is not measured: each message's whole cost is charged to every instance serving its room (an upper bound)",
    );
    expect(split.warnings.join('\n')).not.toMatch(/hearing a message is not measured/);
    // A costs file written before hearing was priced reads as not measured.
    const old = structuredClone(MEASURED) as { instance: Partial<Costs['instance']> };
    delete old.instance.usPerMessageHeard;
    expect(Costs.parse(old).instance.usPerMessageHeard.value).toBeNull();
  });

  it('never needs fewer instances or masters for more users, nor fewer instances for more messages', () => {
    const plan = (users: number, roomSize: number, rate: number) =>
      planCapacity({ users, roomSize, rate }, MEASURED, DEFAULT_DEPLOYMENT);
    let last = plan(1000, 10, 10);
    for (const users of [2000, 10_000, 50_000, 100_000, 1_000_000, 5_000_000, 20_000_000]) {
      const p = plan(users, 10, 10);
      expect(p.instances.needed!).toBeGreaterThanOrEqual(last.instances.needed!);
      expect(p.redis.masters).toBeGreaterThanOrEqual(last.redis.masters);
      last = p;
    }
    let prev = plan(1_000_000, 50, 0);
    for (const rate of [1, 100, 1000, 10_000, 100_000]) {
      const p = plan(1_000_000, 50, rate);
      expect(p.instances.needed!).toBeGreaterThanOrEqual(prev.instances.needed!);
      prev = p;
    }
  });

  it('says when no number of instances fits, and why', () => {
    const c = roundCosts();
    c.instance.rssStartBytes = is(2 * GiB);
    const p = planCapacity({ users: 1000, roomSize: 10, rate: 1 }, c, small);
    expect(p.feasible).toBe(false);
    expect(p.instances.needed).toBeNull();
    expect(p.firstBottleneck).toMatch(/^instance memory: an instance's RSS at start/);
    const busy = roundCosts();
    busy.instance.trafficBaseUsPerSec = is(600_000);
    const q = planCapacity({ users: 1000, roomSize: 10, rate: 1 }, busy, small);
    expect(q.instances.byCpu).toBeNull();
    expect(q.firstBottleneck).toMatch(/^instance CPU/);
    // One room of 1000 sending a million messages a second: its one master cannot.
    const hot = planCapacity({ users: 1000, roomSize: 1000, rate: 1e6 }, roundCosts(), small);
    expect(hot.redis.roomCores).toBeCloseTo(100, 6);
    expect(hot.feasible).toBe(false);
    expect(hot.firstBottleneck).toMatch(
      /^Redis CPU of one room: its master stores and publishes all of its 1,000,000 msgs\/s/,
    );
    // Never more instances than users.
    expect(hot.instances.byCpu ?? 0).toBeLessThanOrEqual(1000);
  });

  it('lists the costs it counted as 0', () => {
    const p = planCapacity({ users: 1000, roomSize: 10, rate: 1 }, roundCosts(), small);
    expect(p.costs.unmeasured.map((u) => u.name)).toContain('redis.dedupeKeyBytes');
    expect(p.costs.unmeasured.map((u) => u.name)).not.toContain('instance.usPerDelivery');
    expect(p.warnings[0]).toMatch(/not measured yet and count as 0/);
  });

  it('refuses bad questions and bad costs', () => {
    expect(Question.safeParse({ users: 10, roomSize: 50, rate: 1 }).success).toBe(false);
    expect(Question.safeParse({ users: 1.5, roomSize: 1, rate: 1 }).success).toBe(false);
    expect(Question.safeParse({ users: 10, roomSize: 0, rate: 1 }).success).toBe(false);
    expect(Question.safeParse({ users: 10, roomSize: 5, rate: -1 }).success).toBe(false);
    expect(Question.safeParse({ users: 10, roomSize: 5, rate: Infinity }).success).toBe(false);
    const bad = structuredClone(MEASURED) as unknown as { instance: { usPerDelivery: Cost } };
    bad.instance.usPerDelivery = is(-1);
    expect(Costs.safeParse(bad).success).toBe(false);
    expect(Costs.safeParse({ version: 1 }).success).toBe(false);
    expect(Costs.parse(MEASURED)).toEqual(MEASURED);
  });

  it('spreads a room over instances as random placement does', () => {
    expect(roomSpan(1, 500)).toBe(1);
    expect(roomSpan(10, 1)).toBeCloseTo(1, 9);
    expect(roomSpan(2, 2)).toBeCloseTo(1.5, 9);
    expect(roomSpan(100, 1_000_000)).toBeCloseTo(100, 6);
  });

  it('finds the fewest count that fits, or none', () => {
    expect(fewest((n) => n >= 1)).toBe(1);
    expect(fewest((n) => n >= 37)).toBe(37);
    expect(fewest((n) => n >= 1024)).toBe(1024);
    expect(fewest(() => false)).toBeNull();
  });
});
