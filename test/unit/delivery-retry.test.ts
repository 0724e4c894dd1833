import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  connectionRefused,
  drainDelayMs,
  reconnectDelayMs,
  TCP_TIMEOUT_MS,
  OPEN_TIMEOUT_MAX_MS,
  OPEN_TIMEOUT_MIN_MS,
  Reconnects,
} from '../../src/client/delivery/backoff.js';
import {
  isSendRetryable,
  SendRetry,
  sendRetryDelayMs,
} from '../../src/client/delivery/send-retry.js';
import { ErrorCode } from '../../src/protocol/index.js';

/** Reconnects over a, b and c in that order (no shuffle, no jitter), on a clock the test sets. */
function onClock(): { r: Reconnects; at: (ms: number) => void } {
  let now = 0;
  const r = new Reconnects(
    ['a', 'b', 'c'],
    300,
    5000,
    () => 0.999_999,
    () => now,
  );
  return { r, at: (ms) => void (now = ms) };
}

describe('reconnect backoff', () => {
  it('comes back within the shortest delay first, then doubles up to the cap', () => {
    const top = (): number => 0.999_999;
    expect(reconnectDelayMs(1, 300, 5000, top)).toBe(299);
    expect(reconnectDelayMs(1, 300, 5000, () => 0)).toBe(0);
    const tops = [2, 3, 4, 5, 6, 7, 20].map((a) => reconnectDelayMs(a, 300, 5000, top));
    expect(tops).toEqual([599, 1199, 2399, 4799, 4999, 4999, 4999]);
  });

  it('jitters each delay down to half, never below', () => {
    expect(reconnectDelayMs(3, 300, 5000, () => 0)).toBe(600);
    expect(reconnectDelayMs(3, 300, 5000, () => 0.5)).toBe(900);
  });

  it('moves off a draining instance anywhere within the window it gave', () => {
    expect(drainDelayMs(2000, () => 0.5)).toBe(1000);
    expect(drainDelayMs(0, () => 0.999)).toBe(0);
  });

  it('rotates servers on every loss, and starts the delays over once welcomed', () => {
    const r = new Reconnects(['a', 'b', 'c'], 300, 5000, () => 0.999_999);
    expect(r.server).toBe('a');
    expect([r.lost(), r.server, r.lost(), r.server, r.lost(), r.server]).toEqual([
      299,
      'b',
      599,
      'c',
      1199,
      'a',
    ]);
    expect(r.attempt).toBe(3);
    r.connected();
    expect(r.attempt).toBe(0);
    expect(r.lost()).toBe(299);
  });

  it('waits longer for the open after each attempt in a row that ran out of it, not for TCP, and starts over once answered', () => {
    const r = new Reconnects(['a', 'b'], 300, 5000, () => 0.5);
    expect([r.tcpTimeoutMs, r.openTimeoutMs]).toEqual([TCP_TIMEOUT_MS, OPEN_TIMEOUT_MIN_MS]);
    expect([TCP_TIMEOUT_MS, OPEN_TIMEOUT_MIN_MS]).toEqual([5000, 20_000]);
    const waits = [1, 2, 3].map(() => (r.lost('open timeout'), [r.tcpTimeoutMs, r.openTimeoutMs]));
    expect(waits).toEqual([
      [5000, 40_000],
      [5000, 60_000],
      [5000, 60_000],
    ]);
    expect(OPEN_TIMEOUT_MAX_MS).toBe(60_000);
    // An attempt that failed otherwise (refused, closed, turned down, or no TCP at all) is no
    // sign of a busy server.
    r.lost('refused');
    expect(r.openTimeoutMs).toBe(20_000);
    r.lost('open timeout');
    r.connected();
    expect(r.openTimeoutMs).toBe(20_000);
    r.lost('open timeout');
    r.drained(1000);
    expect(r.openTimeoutMs).toBe(20_000);
  });

  it('counts a drain as the first attempt, on the next server', () => {
    const r = new Reconnects(['a', 'b'], 300, 5000, () => 0.5);
    r.lost();
    r.lost();
    expect(r.drained(1000)).toBe(500);
    expect(r.attempt).toBe(1);
    expect(r.server).toBe('b');
    expect(r.lost()).toBe(450); // attempt 2: base 600, jittered
  });

  it('starts on the first server and visits the others in an order of its own, so the clients of a dead instance spread over the survivors', () => {
    const servers = ['a', 'b', 'c', 'd'];
    const next = new Map<string, number>();
    let seed = 1;
    // A small deterministic generator: 1000 clients, each with its own draws.
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let c = 0; c < 1000; c++) {
      const r = new Reconnects(servers, 300, 5000, random);
      expect(r.server).toBe('a');
      r.lost();
      next.set(r.server, (next.get(r.server) ?? 0) + 1);
      // Every server is still visited once per round.
      const round = [r.server];
      for (let k = 0; k < 3; k++) {
        r.lost();
        round.push(r.server);
      }
      expect([...round].sort()).toEqual(['a', 'b', 'c', 'd']);
    }
    expect([...next.keys()].sort()).toEqual(['b', 'c', 'd']);
    for (const n of next.values()) expect(n).toBeGreaterThan(250);
  });

  it('skips a server that refused the connection while another is left, until the skip ends', () => {
    const { r, at } = onClock();
    // 'a' died: refused. Its clients try 'b' and 'c' and never 'a' meanwhile.
    r.lost('refused');
    const seen = [r.server];
    for (let k = 0; k < 5; k++) {
      r.lost();
      seen.push(r.server);
    }
    expect(seen).toEqual(['b', 'c', 'b', 'c', 'b', 'c']);
    // 'c' refuses too: 'b' is the one left.
    r.lost('refused');
    expect(r.server).toBe('b');
    r.lost();
    expect(r.server).toBe('b');
    // 'b' refuses as well: every server is skipped, so plain rotation it is.
    r.lost('refused');
    expect(r.server).toBe('c');
    // The skip of 'a' is over (30 s): 'a' is tried again in its turn.
    at(30_000);
    r.lost();
    expect(r.server).toBe('a');
  });

  it('skips a host that did not answer as it skips a refusal, and takes turns when every server is skipped', () => {
    const { r, at } = onClock();
    // 'b' is partitioned off: its TCP wait ran out once; 'a' and 'c' share the attempts after.
    r.lost();
    expect(r.server).toBe('b');
    r.lost('unanswered');
    const seen = [r.server];
    for (let k = 0; k < 3; k++) {
      r.lost();
      seen.push(r.server);
    }
    expect(seen).toEqual(['c', 'a', 'c', 'a']);
    // The whole cluster restarts: 'a' and 'c' refuse, 'b' still does not answer. All three are
    // skipped, so they take turns: the first to come back is tried within two attempts,
    // not after its 30 s skip (a black hole's 5 s wait after each refusal before).
    r.lost('refused');
    expect(r.server).toBe('c');
    r.lost('refused');
    expect(r.server).toBe('a');
    at(2000);
    const turns = [r.server];
    r.lost('refused');
    turns.push(r.server);
    r.lost('unanswered');
    turns.push(r.server);
    r.lost('refused');
    turns.push(r.server);
    expect(turns).toEqual(['a', 'b', 'c', 'a']);
  });

  it('tells a refused connection from an unanswered one, in the errors each client sees', () => {
    // socket.io-client (engine.io's websocket transport): the ws error in `description`.
    const sio = Object.assign(new Error('websocket error'), {
      description: { message: 'connect ECONNREFUSED 127.0.0.1:1', error: { code: 'ECONNREFUSED' } },
    });
    expect(connectionRefused(sio)).toBe(true);
    // The load tester's wire client: the reason is the message.
    expect(connectionRefused('connect ECONNREFUSED 127.0.0.1:41057')).toBe(true);
    expect(connectionRefused('timeout')).toBe(false);
    expect(connectionRefused('Unexpected server response: 503')).toBe(false);
    expect(connectionRefused(new Error('websocket error'))).toBe(false);
  });

  it('refuses an empty server list', () => {
    expect(() => new Reconnects([], 300, 5000)).toThrow(/server/);
  });
});

describe('send retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps sends refused for now, gives up on the others', () => {
    for (const code of [ErrorCode.Unavailable, ErrorCode.RateLimited, ErrorCode.Draining])
      expect(isSendRetryable(code)).toBe(true);
    for (const code of [ErrorCode.BadRequest, ErrorCode.NotMember, ErrorCode.Internal])
      expect(isSendRetryable(code)).toBe(false);
  });

  it('waits 1 s, then twice as long each time, up to 15 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(sendRetryDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ]);
  });

  it('fires once per delay while failures go on, however many sends ask', () => {
    const fired: number[] = [];
    const retry = new SendRetry(() => fired.push(Date.now()));
    const t0 = Date.now();
    retry.schedule();
    retry.schedule(); // a second failed send in the same outage: still one timer
    expect(retry.scheduled).toBe(true);
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired.map((t) => t - t0)).toEqual([1000]);
    expect(retry.scheduled).toBe(false);
    retry.schedule();
    vi.advanceTimersByTime(2000);
    retry.schedule();
    vi.advanceTimersByTime(4000);
    expect(fired.map((t) => t - t0)).toEqual([1000, 3000, 7000]);
  });

  it('starts from 1 s again after a send went through', () => {
    let fired = 0;
    const retry = new SendRetry(() => fired++);
    retry.schedule();
    vi.advanceTimersByTime(1000);
    retry.schedule();
    vi.advanceTimersByTime(2000);
    expect(fired).toBe(2);
    retry.succeeded();
    retry.schedule();
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(3);
  });

  it('fires no more once stopped', () => {
    let fired = 0;
    const retry = new SendRetry(() => fired++);
    retry.schedule();
    retry.stop();
    vi.advanceTimersByTime(60_000);
    expect(fired).toBe(0);
    expect(retry.scheduled).toBe(false);
  });
});
