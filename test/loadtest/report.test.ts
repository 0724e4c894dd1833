import { describe, expect, it } from 'vitest';
import { merge, newHistogram, recordMs, encode } from '../../src/admin/loadtest/histogram.js';
import {
  durationFlag,
  parseCount,
  resolveOptions,
  type RawLoadtestFlags,
} from '../../src/admin/loadtest/options.js';
import {
  buildReport,
  renderReport,
  type LoadtestReport,
  type Totals,
} from '../../src/admin/loadtest/report.js';

const totals: Totals = {
  requested: 10,
  connected: 9,
  failed: 1,
  errors: { 'timeout (timeout)': 1 },
  sent: 100,
  sendFailed: 0,
  expected: 900,
  delivered: 898,
  lost: 2,
  duplicated: 0,
  reconnects: 3,
  instances: { 'chat-1': 5, 'chat-2': 4 },
  dropped: 3,
  back: 2,
  lostFrom: { 'chat-3': 3, 'chat-1': 1 },
  lostWhy: { 'chat-3: transport close': 3, 'chat-1: ping timeout': 1 },
  retries: { 'the connection dropped (timeout)': 2 },
};

/** The report of a run with these flags: `totals`, latencies of 1 to 400 ms over 10 s. */
function report(
  flags: RawLoadtestFlags,
  over: Partial<Parameters<typeof buildReport>[0]> = {},
): LoadtestReport {
  const h = newHistogram();
  for (const ms of [1, 2, 3, 50, 400]) recordMs(h, ms);
  const latency = merge([encode(h)]);
  return buildReport({
    server: 'http://127.0.0.1:1',
    opts: resolveOptions(flags),
    totals,
    connect: latency,
    latency,
    resume: latency,
    sendSeconds: 10,
    servers: [],
    ...over,
  });
}

describe('loadtest options and report', () => {
  it('parses durations and refuses garbage', () => {
    expect(durationFlag('30s')).toBe(30_000);
    expect(durationFlag('1.5m')).toBe(90_000);
    expect(durationFlag('250ms')).toBe(250);
    expect(durationFlag('2')).toBe(2000);
    expect(() => durationFlag('soon')).toThrow(/not a duration/);
  });

  it('fills defaults and needs enough workers for the sockets', () => {
    const o = resolveOptions({ clients: 500, duration: 20_000, ramp: 10_000, drain: 10_000 });
    expect(o.rooms).toBe(10);
    expect(o.rate).toBe(50);
    expect(o.workers).toBeGreaterThanOrEqual(1);
    expect(resolveOptions({ clients: 40_000, duration: 1, ramp: 0, drain: 0 }).workers).toBe(3);
    expect(() =>
      resolveOptions({ clients: 40_000, workers: 1, duration: 1, ramp: 0, drain: 0 }),
    ).toThrow(/too few/);
  });

  it('has every documented field and fails a missed threshold', () => {
    const r = report(
      { clients: 10, duration: 10_000, ramp: 0, drain: 1000, maxLost: 0, maxP99: 1000 },
      { servers: [{ id: 'chat-1', cpuPct: 12.5, rssBytes: 1 }] },
    );
    expect(Object.keys(r.clients)).toEqual(['requested', 'connected', 'failed', 'errors']);
    expect(Object.keys(r.connectMs)).toEqual(['p50', 'p95', 'p99', 'max']);
    for (const k of ['sent', 'expected', 'delivered', 'lost', 'duplicated']) {
      expect(r.messages).toHaveProperty(k);
    }
    expect(r.latencyMs.max).toBeCloseTo(400, 0);
    expect(r.throughput).toEqual({ sentPerSec: 10, deliveredPerSec: 89.8 });
    expect(r.thresholds.maxLost).toEqual({ limit: 0, actual: 2, passed: false });
    expect(r.thresholds.maxP99Ms?.passed).toBe(true);
    expect(r.passed).toBe(false);
    expect(renderReport(r, (s) => s).at(-1)).toMatch(/FAILED/);
  });

  it('fails a run whose sends failed past --max-send-fail, and counts only digits', () => {
    const failing = { ...totals, lost: 0, sendFailed: 7 };
    const r = report(
      { clients: 10, duration: 10_000, ramp: 0, drain: 1000, maxLost: 0, maxSendFail: 0 },
      { totals: failing },
    );
    expect(r.thresholds.maxLost?.passed).toBe(true);
    expect(r.thresholds.maxSendFail).toEqual({ limit: 0, actual: 7, passed: false });
    expect(r.passed).toBe(false);
    expect(renderReport(r, (s) => s)).toContain('threshold    maxSendFail 0: 7 FAILED');
    const tolerant = report(
      { clients: 10, duration: 10_000, ramp: 0, drain: 1000, maxSendFail: 7 },
      { totals: failing },
    );
    expect(tolerant.passed).toBe(true);
    expect(parseCount('12', 0, 100)).toBe(12);
    for (const bad of ['0x10', '1e1', ' 3', '', '-1', '2.5', '101']) {
      expect(() => parseCount(bad, 0, 100)).toThrow(/whole number from 0 to 100/);
    }
  });

  it('for people, restates what was run and says what each number counts', () => {
    const lines = renderReport(
      report(
        { clients: 10, rooms: 3, rate: 2.5, duration: 30_000, ramp: 5000, drain: 1000, workers: 2 },
        { totals: { ...totals, instances: { 'chat-10': 1, 'chat-2': 4, 'chat-1': 4 } } },
      ),
      (s) => s,
    );
    expect(lines.slice(0, 2)).toEqual([
      'run          10 clients in 3 rooms at 2.5 msgs/s',
      '             5 s ramp, 30 s steady, 2 workers, http://127.0.0.1:1',
    ]);
    expect(lines).toContain(
      'instances    chat-1: 4 users, chat-2: 4 users, chat-10: 1 user connected at the end',
    );
  });

  it('says how many users lost their connection, came back, and how long their rooms took', () => {
    const resume = newHistogram();
    for (const ms of [800, 1200, 4000, 6500]) recordMs(resume, ms);
    const r = report(
      { clients: 10, duration: 10_000, ramp: 0, drain: 1000 },
      { resume: merge([encode(resume)]) },
    );
    expect(r.lostConnection.users).toBe(3);
    expect(r.lostConnection.back).toBe(2);
    expect(r.lostConnection.byInstance).toEqual({ 'chat-3': 3, 'chat-1': 1 });
    expect(r.lostConnection.retries).toEqual({ 'the connection dropped (timeout)': 2 });
    expect(r.lostConnection.why).toEqual({
      'chat-3: transport close': 3,
      'chat-1: ping timeout': 1,
    });
    expect(r.lostConnection.resumeMs.p50).toBeCloseTo(1200, -1);
    expect(r.lostConnection.resumeMs.max).toBeCloseTo(6500, -1);
    const lines = renderReport(r, (s) => s);
    expect(lines).toContain(
      'lost conn    3 users lost a connection, 2 back in their room (losses by instance: chat-1: 1, chat-3: 3)',
    );
    expect(lines.find((l) => l.startsWith('resumed ms'))).toMatch(
      /^resumed ms {3}p50 1200\.\d+ {2}p95 6500\.\d+ .* \(connection lost to room resumed\)$/,
    );
    expect(lines).toContain('  2 x retried after: the connection dropped (timeout)');
    // Why, by instance, in the instances' order: chat-1 gave no ping in time, chat-3 went.
    const why = lines.filter((l) => l.includes(' x lost on '));
    expect(why).toEqual([
      '  1 x lost on chat-1: ping timeout',
      '  3 x lost on chat-3: transport close',
    ]);
    const calm = renderReport(
      report(
        { clients: 10, duration: 10_000, ramp: 0, drain: 1000 },
        { totals: { ...totals, dropped: 0, back: 0, lostFrom: {}, lostWhy: {}, retries: {} } },
      ),
      (s) => s,
    );
    expect(calm).toContain('lost conn    no user lost its connection after joining');
  });

  it('a run in which connected clients sent nothing does not pass, whatever its thresholds', () => {
    const flags = { clients: 6, duration: 8000, ramp: 1000, drain: 2000, maxLost: 0 };
    const quiet = report(flags, {
      totals: { ...totals, sent: 0, expected: 0, delivered: 0, lost: 0 },
    });
    expect(quiet.thresholds.maxLost?.passed).toBe(true);
    expect(quiet.passed).toBe(false);
    expect(quiet.problems).toEqual([
      expect.stringMatching(
        /^no message was sent \(9 clients connected, [\d.]+ msgs\/s asked, 0 sends failed\)$/,
      ),
    ]);
    expect(renderReport(quiet, (s) => s).slice(-2)).toEqual([
      `problem      ${quiet.problems[0]}`,
      'result       FAILED',
    ]);
    expect(report(flags).problems).toEqual([]);
    // A run too short for one message at its rate owed none.
    const brief = report(
      { clients: 6, rate: 0.5, duration: 1000, ramp: 0, drain: 0 },
      { totals: { ...totals, sent: 0, expected: 0, delivered: 0, lost: 0 } },
    );
    expect(brief.problems).toEqual([]);
  });
});
