import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/client/api.js';
import { login } from '../../src/client/api.js';
import type { Result } from '../../src/protocol/index.js';
import { startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { connected, handshakeOutcome, rawSocket, type RawSocket } from '../helpers/raw.js';
import { KEY_LAYOUT, TestRedis, scanAll } from '../helpers/redis.js';
import { hashToken } from '../../src/server/auth/sessions.js';

let redis: TestRedis;
let nodes: TestInstance[];
const sockets: RawSocket[] = [];

// Production limits here: 20 events/s with bursts of 40, cut off after 100 refusals in a row.
beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(2, redis.url, {
    CHAT_RATE_PER_SEC: '20',
    CHAT_RATE_BURST: '40',
    CHAT_FLOOD_DISCONNECT_AFTER: '100',
    CHAT_FLOOD_PENALTY_MS: '2000',
    CHAT_LOGIN_PER_IP_PER_MIN: '30',
  });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await killAll();
});

/**
 * A socket of a user of its own: a user's sockets on an instance share one rate limit, so a
 * test's requests must not spend another's.
 */
async function open(url = nodes[0]!.url): Promise<RawSocket> {
  const own = (await login(nodes[0]!.url, userName('bad'), 'password-1')).token;
  const s = await connected(rawSocket(url, { token: own }));
  sockets.push(s);
  return s;
}

/** Emits any event with any arguments and returns the ack's answer. */
function ask(s: RawSocket, event: string, ...args: unknown[]): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const emit = s.emit.bind(s) as (ev: string, ...a: unknown[]) => void;
    emit(event, ...args, (res: Result<unknown>) => resolve(res));
  });
}

/**
 * Subscribes to the expiry of `key` (a keyspace event of the test's own redis-server); call it
 * before the key is written. `expired` resolves when Redis has removed the key.
 */
async function expiryOf(key: string): Promise<{ expired: Promise<void> }> {
  const sub = redis.client();
  const r = redis.client();
  await r.config('SET', 'notify-keyspace-events', 'Ex');
  r.disconnect();
  await sub.subscribe('__keyevent@0__:expired');
  const expired = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${key} did not expire in 20 s`)), 20_000);
    sub.on('message', (_channel: string, gone: string) => {
      if (gone !== key) return;
      clearTimeout(t);
      resolve();
    });
  }).finally(() => sub.disconnect());
  // Awaited only if the test gets that far; a failure before it is reported as itself.
  expired.catch(() => undefined);
  return { expired };
}

function codeOf(r: Result<unknown>): string {
  return r.ok ? 'ok' : r.error.code;
}

describe('bad input is refused with a clear error and changes nothing', () => {
  it('refuses missing, malformed and invalid payloads', async () => {
    const s = await open();
    const cases: [string, unknown[], string][] = [
      ['room:join', [], 'bad_request'],
      ['room:join', [null], 'bad_request'],
      ['room:join', ['lobby'], 'bad_request'],
      ['room:join', [{ room: 42 }], 'bad_request'],
      ['room:join', [{ room: 'lobby', extra: true }], 'bad_request'],
      ['room:join', [{ room: 'Lobby' }], 'bad_request'],
      ['room:join', [{ room: 'a'.repeat(33) }], 'bad_request'],
      ['room:join', [{ room: 'x'.repeat(10_000) }], 'bad_request'],
      ['room:join', [{ room: 'lobby', since: 'yesterday' }], 'bad_request'],
      // Stream ids past 64 bits (or ranges Redis refuses) are the sender's mistake.
      ['room:join', [{ room: 'lobby', since: '99999999999999999999-0' }], 'bad_request'],
      ['room:join', [{ room: 'lobby', since: '1-18446744073709551616' }], 'bad_request'],
      ['room:join', [{ room: 'lobby', since: '007-0' }], 'bad_request'],
      [
        'room:join',
        [{ room: 'lobby', since: '18446744073709551615-18446744073709551615' }],
        'bad_request',
      ],
      ['room:history', [{ room: 'lobby', before: '0-0' }], 'bad_request'],
      ['room:history', [{ room: 'lobby', before: '99999999999999999999-1' }], 'bad_request'],
      ['room:join', [{ room: 'lobby', since: '18446744073709551615-0' }], 'ok'],
      ['message:send', [{ room: 'lobby', text: 'hi', clientMsgId: 'short' }], 'bad_request'],
      ['message:send', [{ room: 'lobby', text: '', clientMsgId: 'abcdefgh12' }], 'bad_request'],
      ['message:send', [{ room: 'lobby', text: '   ', clientMsgId: 'abcdefgh12' }], 'bad_request'],
      [
        'message:send',
        [{ room: 'lobby', text: ' \u200b\u200d\u2060\ufeff\u3164\n', clientMsgId: 'abcdefgh12' }],
        'bad_request',
      ],
      [
        'message:send',
        [{ room: 'lobby', text: 'x'.repeat(2001), clientMsgId: 'abcdefgh12' }],
        'bad_request',
      ],
      ['message:send', [{ room: 'nowhere', text: 'hi', clientMsgId: 'abcdefgh12' }], 'not_member'],
      ['typing:set', [{ room: 'lobby', typing: 'yes' }], 'bad_request'],
      ['no:such-event', [{}], 'bad_request'],
    ];
    for (const [event, args, want] of cases) {
      const res = await ask(s, event, ...args);
      expect(codeOf(res), `${event} ${JSON.stringify(args).slice(0, 60)}`).toBe(want);
      if (!res.ok) expect(res.error.message.length).toBeGreaterThan(5);
    }
    const missing = await ask(s, 'room:join');
    expect(!missing.ok && missing.error.message).toMatch(/room/);
    // Bad input is answered, never logged as a server error (no stack a client can trigger).
    expect(nodes[0]!.log.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('answers through the last argument when it is a function, whatever comes before it', async () => {
    const s = await open();
    const cases: [string, unknown[], string, RegExp][] = [
      // An extra argument between the payload and the ack: answered, not left hanging.
      ['room:join', [{ room: 'lobby' }, 'extra'], 'bad_request', /room:join: .*one payload/],
      ['sys:ping', [{ t: 1 }, null, 2], 'bad_request', /sys:ping: .*one payload/],
      ['room:list', [{}, {}], 'bad_request', /room:list: .*one payload/],
      // Not an object: said so, not a list of what a Buffer or an array has in it.
      [
        'room:join',
        [Buffer.from('lobby')],
        'bad_request',
        /^room:join: payload must be an object$/,
      ],
      [
        'room:join',
        [new Uint8Array([1, 2])],
        'bad_request',
        /^room:join: payload must be an object$/,
      ],
      ['room:join', [['lobby']], 'bad_request', /^room:join: payload must be an object$/],
      ['room:join', ['lobby'], 'bad_request', /^room:join: payload must be an object$/],
      ['room:join', [null], 'bad_request', /^room:join: payload must be an object$/],
      ['room:join', [], 'bad_request', /^room:join: payload must be an object$/],
      ['room:join', [{ room: 'lobby' }], 'ok', /.*/],
    ];
    for (const [event, args, want, message] of cases) {
      const what = `${event} ${JSON.stringify(args).slice(0, 60)}`;
      // An ack that never comes is the defect: fail in words, not at the test's deadline.
      const silent = new Promise<Result<unknown>>((resolve) => {
        const t = setTimeout(
          () => resolve({ ok: false, error: { code: 'never answered', message: '' } } as never),
          5000,
        );
        t.unref();
      });
      const res = await Promise.race([ask(s, event, ...args), silent]);
      expect(codeOf(res), what).toBe(want);
      if (!res.ok) expect(res.error.message, what).toMatch(message);
    }
    // Without any ack there is no one to answer: counted, and the socket carries on.
    const metric = async (): Promise<number> => {
      const text = await (await fetch(`${nodes[0]!.url}/metrics`)).text();
      return Number(/^chat_rejected_total\{code="no_ack"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await metric();
    const emit = s.emit.bind(s) as (ev: string, ...a: unknown[]) => void;
    emit('room:join', { room: 'lobby' });
    emit('room:join', { room: 'lobby' }, () => undefined, 'after the ack');
    expect(codeOf(await ask(s, 'sys:ping', { t: 2 }))).toBe('ok');
    expect(await metric()).toBe(before + 2);
    expect(nodes[0]!.log.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('refuses room and user names with escape sequences or Redis-special characters', async () => {
    const s = await open();
    const names = [
      '\u001b[31mred',
      'a*',
      'a?',
      'a[b]',
      '{a}',
      'a:b',
      'a b',
      'a\u0007',
      'ä',
      '-a',
      'a\u202e',
    ];
    for (const room of names) {
      const res = await ask(s, 'room:join', { room });
      expect(codeOf(res), JSON.stringify(room)).toBe('bad_request');
    }
    for (const username of names) {
      const err = await login(nodes[1]!.url, username, 'password-1').catch((e: ApiError) => e);
      expect((err as ApiError).status, JSON.stringify(username)).toBe(400);
    }
    for (const name of ['admin', 'ltrun0001-3']) {
      const reserved = await login(nodes[1]!.url, name, 'password-1').catch((e: ApiError) => e);
      expect((reserved as ApiError).status, name).toBe(400);
      expect((reserved as ApiError).message).toMatch(/reserved/);
    }
  });

  it('closes a connection that sends an oversized packet, and keeps serving', async () => {
    const s = await open();
    const gone = new Promise<string>((resolve) => s.once('disconnect', (r) => resolve(r)));
    s.emit(
      'message:send',
      { room: 'lobby', text: 'x'.repeat(200_000), clientMsgId: 'abcdefgh12' },
      () => undefined,
    );
    expect(await gone).toMatch(/transport close|transport error/);
    const again = await open();
    expect(codeOf(await ask(again, 'room:join', { room: 'lobby' }))).toBe('ok');
  });

  it('rate limits a flooding socket, then cuts it off; others are unaffected', async () => {
    const floodName = userName('flood');
    const floodToken = (await login(nodes[0]!.url, floodName, 'password-1')).token;
    const penalty = await expiryOf(`chat:user:{${floodName}}:flood:block:${hashToken(floodToken)}`);
    const flooder = await connected(rawSocket(nodes[0]!.url, { token: floodToken }));
    sockets.push(flooder);
    const bystander = await open(nodes[1]!.url);
    expect(codeOf(await ask(bystander, 'room:join', { room: 'calm' }))).toBe('ok');
    const ended = new Promise<string>((resolve) =>
      flooder.once('session:ended', ({ reason }) => resolve(reason)),
    );
    const gone = new Promise<string>((resolve) => flooder.once('disconnect', (r) => resolve(r)));
    const codes = new Map<string, number>();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      pending.push(
        ask(flooder, 'sys:ping', { t: i }).then((r) => {
          codes.set(codeOf(r), (codes.get(codeOf(r)) ?? 0) + 1);
        }),
      );
    }
    expect(await ended).toBe('flood');
    expect(await gone).toBe('io server disconnect');
    // Some of the 40 allowed pings were still being answered when the socket was cut off.
    expect(codes.get('ok')).toBeGreaterThan(0);
    expect(codes.get('rate_limited')).toBeGreaterThanOrEqual(100);
    console.log(
      `flood: ${JSON.stringify(Object.fromEntries(codes))} of 300 answered before the cut`,
    );
    const res = await ask(bystander, 'message:send', {
      room: 'calm',
      text: 'still here',
      clientMsgId: 'calm-0001',
    });
    expect(codeOf(res)).toBe('ok');

    // One log line for the whole flood, however many packets came after the threshold.
    const cutLines = () =>
      nodes[0]!.log.lines.filter((l) => String(l.msg).startsWith('flooding socket cut off'));
    const first = await nodes[0]!.log.wait((l) => l.msg === 'flooding socket cut off');
    expect(cutLines()).toHaveLength(1);
    expect(first.penaltyMs).toBe(2000);
    // The session waits out a penalty before it may connect again, on every instance (both
    // asked at once: the penalty is two seconds, however busy the machine).
    expect(
      await Promise.all(nodes.map((n) => handshakeOutcome(n.url, { token: floodToken }))),
    ).toEqual(['rate_limited', 'rate_limited']);
    // The penalty ends when its key expires in Redis: await that, not a clock.
    await penalty.expired;
    const back = await connected(rawSocket(nodes[1]!.url, { token: floodToken }));
    sockets.push(back);
    // A second flood doubles the penalty.
    const again = new Promise<string>((resolve) => back.once('disconnect', (r) => resolve(r)));
    for (let i = 0; i < 300; i++) back.emit('sys:ping', { t: i }, () => undefined);
    expect(await again).toBe('io server disconnect');
    const second = await nodes[1]!.log.wait((l) => l.msg === 'flooding socket cut off');
    expect(second.penaltyMs).toBe(4000);
    expect(await handshakeOutcome(nodes[0]!.url, { token: floodToken })).toBe('rate_limited');
  });

  it('rate limits logins per client address (429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const err = await login(nodes[1]!.url, 'no-such-user-' + String(i % 3), 'password-1').then(
        () => 200,
        (e: ApiError) => e.status,
      );
      statuses.push(err);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
  });

  it('stored nothing invalid: every key in Redis follows the documented layout', async () => {
    const r = redis.client();
    const keys = await scanAll(r);
    r.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !KEY_LAYOUT.test(k))).toEqual([]);
    expect(keys.some((k) => k.includes('nowhere'))).toBe(false);
  });
});
