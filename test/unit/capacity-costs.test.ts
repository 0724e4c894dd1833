import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costsFromResults } from '../../bench/costs.js';
import { validate } from '../../bench/validate-capacity.js';
import type { Results } from '../../bench/results.js';
import { MEASURED } from '../../src/admin/capacity/measured.js';

/** The full bench run of 2026-12-03 (bench/RESULTS.md of commit aafdc08), ours' figures. */
const RUN_2026_12_03 = JSON.parse(
  readFileSync(new URL('../fixtures/bench-results-2026-12-03.json', import.meta.url), 'utf8'),
) as Results;

const MiB = 2 ** 20;

/** Redis while holding: `perSec` commands a second (40 B in, 60 B out each) over 30 s. */
const hold = (perSec: number): NonNullable<Results['idle']>[number]['redisHold'] => ({
  commands: perSec * 30,
  bytesIn: perSec * 30 * 40,
  bytesOut: perSec * 30 * 60,
  memoryBytes: 0,
  seconds: 30,
});

/** npm run bench:costs: the capacity model's costs from a run's results.json. */
describe('costs from bench results (no network)', () => {
  it("derives the last full run's costs as they were worked out by hand", () => {
    const c = costsFromResults(RUN_2026_12_03, MEASURED);
    expect(c.run).toMatch(/^2026-12-03T11:17:12Z, commit aafdc08, AMD EPYC x 2/);
    // (794 - 471) MiB over 10k more connections.
    expect(c.instance.rssPerConnectionBytes.value).toBe(33_870);
    expect(c.instance.rssStartBytes.value).toBe(86_510_000);
    // (15.1 - 7.8) % of a core over 10k connections; intercept 0.5 % over 2 instances.
    expect(c.instance.idleUsPerConnectionSec.value).toBe(7.3);
    expect(c.instance.idleBaseUsPerSec.value).toBe(2500);
    expect(c.instance.usPerDelivery.value).toBe(13.2);
    // Redis: 0.5 % intercept over 100 rooms x 2 instances; 0.2 % per 10k connections.
    expect(c.redis.idleUsPerRoomInstanceSec.value).toBe(25);
    expect(c.redis.idleUsPerConnectionSec.value).toBe(0.2);
    // Not measured by that run: kept as they were.
    expect(c.redis.historyEntryBytes).toEqual(MEASURED.redis.historyEntryBytes);
    expect(c.instance.usPerJoin).toEqual(MEASURED.instance.usPerJoin);
  });

  it('keeps the last cost per idle connection when the tiers did not resolve one (the larger measured less)', () => {
    const r: Results = structuredClone(RUN_2026_12_03);
    const [small, large] = [...r.idle!]
      .filter((t) => t.kind === 'ours')
      .sort((a, b) => a.connections - b.connections);
    expect([small!.connections, small!.serverPct]).toEqual([10_000, 7.8]);
    large!.serverPct = 7;
    const prev = structuredClone(MEASURED);
    prev.instance.idleUsPerConnectionSec = { value: 2.3, source: 'idle: slope of an earlier run' };
    const c = costsFromResults(r, prev);
    expect(c.instance.idleUsPerConnectionSec.value).toBe(2.3);
    expect(c.instance.idleUsPerConnectionSec.source).toMatch(
      /did not resolve a cost per connection .*; kept from before: idle: slope of an earlier run \(the run of [^,]+, commit \w+\)$/,
    );
    // The tiers less 2.3 µs/s per connection: (7.8 - 2.3) and (7.0 - 4.6) % of a core, their
    // mean over 2 instances.
    expect(c.instance.idleBaseUsPerSec.value).toBeCloseTo(((0.055 + 0.024) / 2 / 2) * 1e6, 6);
    // Kept again by the next such run, its source names the run that measured it, once.
    const again = costsFromResults(r, c);
    expect(again.instance.idleUsPerConnectionSec.source.match(/kept from before/g)).toHaveLength(1);
    expect(again.instance.idleUsPerConnectionSec.source).toBe(
      c.instance.idleUsPerConnectionSec.source,
    );
    // With nothing measured before, there is nothing to keep: the fit's 0.
    prev.instance.idleUsPerConnectionSec = { value: 0, source: 'never' };
    expect(costsFromResults(r, prev).instance.idleUsPerConnectionSec.value).toBe(0);
  });

  it("takes Redis commands, bytes and memory from the phases' INFO deltas, less what holding costs", () => {
    const r: Results = structuredClone(RUN_2026_12_03);
    const delta = (commands: number, seconds: number, memoryBytes = 0) => ({
      commands,
      bytesIn: commands * 40,
      bytesOut: commands * 60,
      memoryBytes,
      seconds,
    });
    // Holding: 7 commands per (room, instance) and 0.05 per connection each second.
    const held = (n: number): number => 200 * 7 + n * 0.05;
    for (const t of r.idle!) {
      t.instances = 2;
      t.redisHold = delta(held(t.connections) * 30, 30);
      t.redisConnect = delta(t.connections * 4 + held(t.connections / 2) * 10, 10);
      t.redisJoin = delta(t.connections * 10 + held(t.connections) * 8, 8, t.connections * 300);
      t.connectCpu = { server: 10, redis: 1, seconds: 10 };
      t.joinCpu = { server: 8, redis: 2, seconds: 8 };
    }
    r.fanout!.memory = {
      streams: { bytes: 15_000_000, keys: 10, entries: 100_000 },
      dedupe: { bytes: 90_000, keys: 1000 },
    };
    r.sessionsRedis = { sessions: 20_000, ...delta(0, 12, 20_000 * 500) };
    const c = costsFromResults(r, MEASURED);
    expect(c.redis.idleCommandsPerRoomInstanceSec.value).toBe(7);
    expect(c.redis.idleCommandsPerConnectionSec.value).toBe(0.05);
    expect(c.redis.idleBytesPerRoomInstanceSec.value).toBe(700);
    expect(c.redis.commandsPerConnect.value).toBe(4);
    expect(c.redis.commandsPerJoin.value).toBe(10);
    expect(c.redis.bytesPerJoin.value).toBe(1000);
    expect(c.redis.memberBytes.value).toBe(300);
    expect(c.redis.historyEntryBytes.value).toBe(150);
    expect(c.redis.dedupeKeyBytes.value).toBe(90);
    expect(c.redis.sessionBytes.value).toBe(500);
    // 10 CPU-s over 10 s less holding half the 20k connections (0.005 + 10k x 7.3 µs/s).
    expect(c.instance.usPerConnect.value).toBeCloseTo(
      ((10 - (0.005 + 0.073) * 10) / 20_000) * 1e6,
      1,
    );
    expect(c.instance.usPerJoin.value).toBeCloseTo(((8 - (0.005 + 0.146) * 8) / 20_000) * 1e6, 1);
    expect(c.redis.sessionBytes.source).toMatch(/^rss: /);
    expect(r.rssStart!.ours[0]).toBe(83 * MiB);
  });

  it("splits Redis's idle intercept: the instances' own (measured with no client) and per pair", () => {
    const r: Results = structuredClone(RUN_2026_12_03);
    for (const t of r.idle!) {
      t.instances = 2;
      // 7 commands per (room, instance) and 25 per instance each second, 100 B each.
      t.redisHold = hold(200 * 7 + 2 * 25);
    }
    // 2 instances, no client, 10 s: 25 commands and 0.1 % of a core each.
    r.redisBare = {
      instances: 2,
      redisCpuSeconds: 0.02,
      commands: 500,
      bytesIn: 500 * 40,
      bytesOut: 500 * 60,
      memoryBytes: 0,
      seconds: 10,
    };
    const c = costsFromResults(r, MEASURED);
    expect(c.redis.idleCommandsPerInstanceSec.value).toBe(25);
    expect(c.redis.idleBytesPerInstanceSec.value).toBe(2500);
    expect(c.redis.idleUsPerInstanceSec.value).toBeCloseTo(1000, 6);
    expect(c.redis.idleCommandsPerRoomInstanceSec.value).toBeCloseTo(7, 6);
    expect(c.redis.idleBytesPerRoomInstanceSec.value).toBeCloseTo(700, 6);
    // The tiers' CPU intercept (0.5 %) less the two instances' 0.2 %, over 200 pairs.
    expect(c.redis.idleUsPerRoomInstanceSec.value).toBeCloseTo(15, 6);
    expect(c.redis.idleUsPerRoomInstanceSec.source).toMatch(/less 2 instances' own/);
  });

  it("counts the pairs' renewals from the code when the tiers cannot resolve them", () => {
    const r: Results = structuredClone(RUN_2026_12_03);
    // The larger tier's hold caught a session sweep: its slope eats the intercept.
    r.idle!.forEach((t, k) => {
      t.instances = 2;
      t.redisHold = hold(k % 2 === 0 ? 100 : 1450);
    });
    r.redisBare = {
      instances: 2,
      redisCpuSeconds: 0.02,
      commands: 300,
      bytesIn: 0,
      bytesOut: 0,
      memoryBytes: 0,
      seconds: 15,
    };
    const c = costsFromResults(r, MEASURED);
    // One renewal of 9 commands every 20 s, at what an idle command cost Redis in the run:
    // the tiers' slope of CPU (and bytes) per connection over their slope of commands.
    const perIdleCommand = (x: { value: number | null }): number =>
      x.value! / c.redis.idleCommandsPerConnectionSec.value!;
    expect(c.redis.idleCommandsPerConnectionSec.value).toBeGreaterThan(0);
    expect(c.redis.idleCommandsPerRoomInstanceSec.value).toBeCloseTo(0.45, 6);
    expect(c.redis.idleUsPerRoomInstanceSec.value).toBeCloseTo(
      0.45 * perIdleCommand(c.redis.idleUsPerConnectionSec),
      3,
    );
    expect(c.redis.idleBytesPerRoomInstanceSec.value).toBeCloseTo(
      0.45 * perIdleCommand(c.redis.idleBytesPerConnectionSec),
      3,
    );
    expect(c.redis.idleUsPerRoomInstanceSec.value).toBeGreaterThan(0);
    expect(c.redis.idleCommandsPerRoomInstanceSec.source).toMatch(/^from the code: one renewal/);
    expect(c.redis.idleUsPerRoomInstanceSec.source).toMatch(/an idle command/);
    expect(c.redis.idleCommandsPerInstanceSec.value).toBe(10);

    // Without the tiers' command slope, at what a command of the run's append cost.
    r.idle!.forEach((t) => (t.redisHold = hold(10)));
    const d = costsFromResults(r, MEASURED);
    const perAppendCommand = (x: { value: number | null }): number =>
      x.value! / d.redis.commandsPerMessage.value!;
    expect(d.redis.idleUsPerRoomInstanceSec.value).toBeCloseTo(
      0.45 * perAppendCommand(d.redis.usPerMessage),
      1,
    );
    expect(d.redis.idleBytesPerRoomInstanceSec.value).toBeCloseTo(
      0.45 * perAppendCommand(d.redis.bytesInPerMessage),
      1,
    );
    expect(d.redis.idleUsPerRoomInstanceSec.source).toMatch(/the fan-out's append/);
  });

  it("prices a message on its sender's instance and on each instance that hears it, from the scale rows", () => {
    const r: Results = structuredClone(RUN_2026_12_03);
    // What the model counts the instances to spend anyway over the scale rows' 10 s: 4 idle
    // and traffic bases and 200 connections held (costs of the other sections of the run).
    const i = costsFromResults(r, MEASURED).instance;
    const base =
      (4 * (i.idleBaseUsPerSec.value! + i.trafficBaseUsPerSec.value!) +
        200 * i.idleUsPerConnectionSec.value!) *
      10;
    const deliveries = 2000 * 5 * i.usPerDelivery.value!;
    const redis = { commands: 0, bytesIn: 0, bytesOut: 0, memoryBytes: 0, seconds: 10 };
    /** 2000 messages into rooms of 5 on `span` instances, at `perMessage` µs each beyond. */
    const row = (span: number, perMessage: number, redisCpuSeconds: number) => ({
      system: 'ours',
      span,
      perInstancePerSec: [50, 50, 50, 50],
      inputPerSec: 200,
      messages: 2000,
      deliveriesPerMessage: 5,
      serverCpuSeconds: (base + deliveries + 2000 * perMessage) / 1e6,
      redisCpuSeconds,
      redis,
    });
    // 700 µs a message with rooms on one instance, 1000 on two: hearing it costs 300.
    r.scale = { received: [row(1, 700, 0.4), row(2, 1000, 0.5)], knee: [] };
    const c = costsFromResults(r, MEASURED);
    expect(c.instance.usPerMessageHeard.value).toBeCloseTo(300, 6);
    expect(c.instance.usPerMessage.value).toBeCloseTo(400, 6);
    expect(c.instance.usPerMessage.source).toMatch(/minus hearing it/);
    expect(c.redis.usPerMessage.value).toBe(200);
    expect(c.redis.usPerPush.value).toBeCloseTo(50, 6);
    expect(c.redis.usPerPush.source).toMatch(/^scale: /);

    // Two rows whose difference is above the whole (the bases subtracted were too large for
    // this layout): hearing is the difference, the sender's part 0, and the source says so.
    r.scale = { received: [row(1, 700, 0.4), row(2, 2000, 0.5)], knee: [] };
    const busy = costsFromResults(r, MEASURED);
    expect(busy.instance.usPerMessageHeard.value).toBeCloseTo(1300, 6);
    expect(busy.instance.usPerMessageHeard.source).toMatch(/came out at 700 µs after the bases/);
    expect(busy.instance.usPerMessage.value).toBe(0);

    // Alternating windows of the two layouts on one cluster, both sets of members held (400
    // connections): each layout's windows are summed, so one noisy window moves the figure by
    // its share only, and the bases count the connections both layouts hold.
    const held = 200 * i.idleUsPerConnectionSec.value! * 10;
    const windowOf = (span: number, perMessage: number) => ({
      ...row(span, perMessage, 0.4),
      connections: 400,
      serverCpuSeconds: (base + held + deliveries + 2000 * perMessage) / 1e6,
    });
    r.scale = {
      received: [
        windowOf(1, 600),
        windowOf(2, 1000),
        windowOf(1, 700),
        windowOf(2, 1200),
        windowOf(1, 800),
        windowOf(2, 800),
      ],
      knee: [],
    };
    const summed = costsFromResults(r, MEASURED);
    expect(summed.instance.usPerMessageHeard.value).toBeCloseTo(300, 6);
    expect(summed.instance.usPerMessage.value).toBeCloseTo(400, 6);
    expect(summed.instance.usPerMessageHeard.source).toMatch(/6000 and 6000 messages/);

    // A run without the second row: the whole cost per message, charged to every instance.
    r.scale = { received: [row(1, 700, 0.4)], knee: [] };
    const one = costsFromResults(r, MEASURED);
    expect(one.instance.usPerMessage.value).toBeCloseTo(700, 6);
    expect(one.instance.usPerMessageHeard.value).toBeNull();
  });

  it('predicts the 100k section from the idle tiers, and the 4-instance knee from 2', () => {
    const checks = validate(RUN_2026_12_03, MEASURED);
    const rss = checks.find((c) => c.figure.includes('RSS per instance'))!;
    // 82.5 MiB at start + 92947 / 6 x 33870 B = 583 MiB; measured mean 617 MiB.
    expect(rss.predicted).toMatch(/^583 MiB/);
    expect(rss.error).toBeCloseTo(-0.055, 3);
    expect(rss.verdict).toBe('yes');
    // That run held its connections without reading their CPU, and reached no knee.
    expect(checks.find((c) => c.figure.includes("instances' CPU"))!.measured).toMatch(
      /next `npm run bench`/,
    );
    const knee = checks.find((c) => c.figure.includes('knee with 4 instances, 1 Redis'))!;
    expect(knee.verdict).toMatch(/^cannot say/);

    const r: Results = structuredClone(RUN_2026_12_03);
    r.hundredK!.idle = { holdSeconds: 30, serverPct: 100, redisPct: 9.4, outsideCores: 0 };
    // The climb finds both knees: 2 instances pass 4800 and fail 6400; 4 fail 4800.
    for (const k of r.scale!.knee) {
      if (k.instances === 2) {
        k.steps.push(
          { rate: 4800, p99: 300, deliveredPct: 100 },
          { rate: 6400, p99: 900, deliveredPct: 97 },
        );
        k.knee = 4800;
      } else {
        k.steps.push({ rate: 4800, p99: 900, deliveredPct: 98 });
      }
    }
    const again = validate(r, MEASURED);
    const cpu = again.find((c) => c.figure.includes("instances' CPU"))!;
    // 6 x 2500 µs + 92947 x 7.3 µs = 69.4 % against 100 %: outside 20 %, and said.
    expect(cpu.error).toBeCloseTo(-0.306, 2);
    expect(cpu.verdict).toMatch(/^no/);
    expect(again.find((c) => c.figure.includes('Redis CPU'))!.verdict).toBe('yes');
    const k4 = again.find((c) => c.figure.includes('knee with 4 instances, 1 Redis'))!;
    // 4800 x (2 - 4 x 0.1406) / (2 - 2 x 0.1406) = 4015 against 3200.
    expect(k4.predicted).toMatch(/^4,01\d msgs\/s/);
    expect(k4.error).toBeCloseTo(0.255, 2);
  });
});
