import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpErrorBody, LoginResponse } from '../../src/protocol/index.js';
import { startInstances, type TestInstance } from '../helpers/cluster.js';
import { loginFrom, request } from '../helpers/http.js';
import { killAll } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let url: string;
let node: TestInstance;

// Small caps so the test reaches them quickly: 3 failures per name and address, names
// slowed after 2 failures from anywhere (250 ms, doubling, at most 2 s).
beforeAll(async () => {
  redis = await TestRedis.start();
  [node] = (await startInstances(1, redis.url, {
    CHAT_LOGIN_FAILURES_PER_USER: '3',
    CHAT_LOGIN_FAILURES_PER_IP: '20',
    CHAT_LOGIN_SLOW_AFTER: '2',
    CHAT_LOGIN_MAX_DELAY_MS: '2000',
  })) as [TestInstance];
  url = node.url;
});
afterAll(async () => {
  await killAll();
});

describe('login: brute force is expensive, but nobody can lock a user out', () => {
  it('an address that keeps guessing is refused for that name; the owner elsewhere still logs in', async () => {
    expect((await loginFrom(url, '127.0.0.2', 'victim', 'the-real-one')).status).toBe(200);
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++)
      guesses.push((await loginFrom(url, '127.0.0.3', 'victim', `guess-${i}`)).status);
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
    // Refused before the password is checked: the right one does not help the guesser...
    const guesser = await loginFrom(url, '127.0.0.3', 'victim', 'the-real-one');
    expect(guesser.status).toBe(429);
    expect(Number(guesser.headers['retry-after'])).toBeGreaterThan(0);
    // ...while the owner, from an address with no failures, logs in (and is not slowed).
    const owner = await loginFrom(url, '127.0.0.4', 'victim', 'the-real-one');
    expect(owner.status).toBe(200);
  });

  it('concurrent guesses cannot slip past the cap: the check and the count are one step', async () => {
    expect((await loginFrom(url, '127.0.0.5', 'racer', 'the-real-one')).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) => loginFrom(url, '127.0.0.6', 'racer', `guess-${i}`)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12);
  });

  it('a name guessed from many addresses slows down those that failed, with a growing delay', async () => {
    expect((await loginFrom(url, '127.0.0.7', 'spread', 'the-real-one')).status).toBe(200);
    // Each address fails once: a first attempt from a clean address is never held back.
    const firsts: number[] = [];
    for (let a = 10; a < 14; a++)
      firsts.push((await loginFrom(url, `127.0.0.${a}`, 'spread', 'nope-1')).ms);
    // Now 4 failures for the name: a second guess from a failed address waits 250 * 2^2 ms,
    // the next one 250 * 2^3 ms (the floor each sleep guarantees).
    const second = await loginFrom(url, '127.0.0.10', 'spread', 'nope-2');
    const third = await loginFrom(url, '127.0.0.11', 'spread', 'nope-3');
    expect(second.status).toBe(401);
    expect(second.ms).toBeGreaterThanOrEqual(1000);
    expect(third.ms).toBeGreaterThanOrEqual(2000);
    // The owner from a clean address is not held back at all: the server says it made it
    // wait 0 ms (a wall-clock bound would time the machine's load, not the rule), while the
    // guesses above waited the name's delay.
    const owner = await loginFrom(url, '127.0.0.8', 'spread', 'the-real-one');
    expect(owner.status).toBe(200);
    const line = (pred: (l: Record<string, unknown>) => boolean): Promise<unknown> =>
      node.log.wait((l) => l.user === 'spread' && pred(l)).then((l) => l.delayedMs);
    expect(await line((l) => l.msg === 'login' && l.ip === '127.0.0.8')).toBe(0);
    const guess = (l: Record<string, unknown>): boolean =>
      l.msg === 'failed login' && l.ip === '127.0.0.10' && l.delayedMs !== 0;
    expect(await line(guess)).toBe(1000);
    console.log(
      `first guesses ${firsts.map(Math.round).join('/')} ms; then ${Math.round(second.ms)}, ${Math.round(third.ms)} ms; owner ${Math.round(owner.ms)} ms`,
    );
  });

  it('an address spraying many names is refused once its failures pass the per-address cap', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `sprayed-${i}`);
    for (const n of names)
      expect((await loginFrom(url, '127.0.0.20', n, 'the-real-one')).status).toBe(200);
    // One guess per name (no name reaches its own cap): the address's 21st failure is refused.
    const answers = [];
    for (const n of names) answers.push(await loginFrom(url, '127.0.0.21', n, 'wrong-one'));
    expect(answers.map((a) => a.status)).toEqual([
      ...Array<number>(20).fill(401),
      ...Array<number>(5).fill(429),
    ]);
    expect((JSON.parse(answers[24]!.body) as HttpErrorBody).error.message).toMatch(
      /from this address/,
    );
  }, 60_000);

  it('POSTs need Content-Type: application/json (415 otherwise): no login CSRF from a form or text/plain', async () => {
    const body = JSON.stringify({ username: 'csrf-victim', password: 'password-1' });
    const post = (headers: Record<string, string>) =>
      request(`${url}/api/login`, { method: 'POST', from: '127.0.0.30', headers, body });
    const plain = await post({ 'content-type': 'text/plain' });
    const none = await post({});
    const form = await post({ 'content-type': 'application/x-www-form-urlencoded' });
    const logout = await request(`${url}/api/logout`, {
      method: 'POST',
      from: '127.0.0.30',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer x'.padEnd(40, 'x') },
    });
    expect([plain.status, none.status, form.status, logout.status]).toEqual([415, 415, 415, 415]);
    expect(JSON.parse(plain.body)).toEqual({
      error: {
        code: 'bad_request',
        message: 'Content-Type must be application/json, not text/plain',
      },
    });
    // Nothing was registered by the refused ones; JSON with a charset is fine.
    const ok = await post({ 'content-type': 'Application/JSON; charset=utf-8' });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as LoginResponse).created).toBe(true);
  });

  it('a body over 16 KB gets its 413, every time, while the client is still sending it', async () => {
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await fetch(`${url}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: 'x'.repeat(4 * 2 ** 20),
        }).then(
          (r) => r.status,
          (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
        ),
      );
    }
    expect(statuses).toEqual([413, 413, 413, 413, 413]);
  });

  it('a POST with nothing in it needs no Content-Type: logout with only its Bearer header', async () => {
    const { token } = JSON.parse(
      (await loginFrom(url, '127.0.0.31', 'leaving', 'password-1')).body,
    ) as LoginResponse;
    const bare = (headers: Record<string, string>, body?: string) =>
      request(`${url}/api/logout`, { method: 'POST', from: '127.0.0.31', headers, body });
    // Node sends an empty body chunked; with Content-Length: 0 it is the same.
    const out = await bare({ authorization: `Bearer ${token}` });
    expect([out.status, out.body]).toEqual([200, '{"ok":true}']);
    const again = await bare({ authorization: `Bearer ${token}`, 'content-length': '0' });
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body)).toEqual({
      error: {
        code: 'unauthorized',
        message: 'this session was logged out; log in again',
      },
    });
    // Something in it still has to say what it is.
    expect((await bare({ authorization: `Bearer ${token}` }, 'x')).status).toBe(415);
    // A login with nothing in it: the body is what is wrong.
    const empty = await request(`${url}/api/login`, { method: 'POST', from: '127.0.0.31' });
    expect([empty.status, JSON.parse(empty.body)]).toEqual([
      400,
      { error: { code: 'bad_request', message: 'body must be JSON' } },
    ]);
  });
});

describe('reserved names', () => {
  it('are the reserved words, and any name that begins with one and a separator or digit', async () => {
    const statusOf = async (name: string): Promise<[string, number, string]> => {
      const r = await loginFrom(url, '127.0.0.40', name, 'password-1');
      const body = JSON.parse(r.body) as HttpErrorBody;
      return [name, r.status, r.status === 200 ? '' : body.error.message];
    };
    const refused = [
      'admin',
      'admin-',
      'admin_',
      'admin-team',
      'system_',
      'system-bot',
      'server1',
      'root_',
      'chat-bot',
      'administrator',
      'operator-x',
      'moderator',
      'mod_1',
      'sysop',
    ];
    const results = await Promise.all(refused.map(statusOf));
    expect(results).toEqual(
      refused.map((n) => [
        n,
        400,
        `username: "${n}" is reserved (it names the server or its operators)`,
      ]),
    );
    // Only the word itself, or the word and a separator or digit: these are anyone's.
    const free = ['rooted', 'chatty', 'servers', 'badmin', 'modern', 'my-admin'];
    expect((await Promise.all(free.map(statusOf))).map(([n, status]) => [n, status])).toEqual(
      free.map((n) => [n, 200]),
    );
  });
});

describe('login in two steps: look the name up, then create it', () => {
  const body = (a: { body: string }): HttpErrorBody & LoginResponse =>
    JSON.parse(a.body) as HttpErrorBody & LoginResponse;

  it('create: false on a new name is refused with no_such_user (404) and creates nothing', async () => {
    const first = await loginFrom(url, '127.0.0.40', 'newcomer', 'password-1', { create: false });
    expect(first.status).toBe(404);
    expect(body(first).error).toEqual({
      code: 'no_such_user',
      message: 'there is no account named "newcomer"',
    });
    // Nothing was stored: asking again is the same answer, and a one-step login with
    // another password registers the name as new (it did not get the first password).
    const again = await loginFrom(url, '127.0.0.40', 'newcomer', 'password-1', { create: false });
    expect(again.status).toBe(404);
    const made = await loginFrom(url, '127.0.0.41', 'newcomer', 'password-2');
    expect(made.status).toBe(200);
    expect(body(made).created).toBe(true);
  });

  it('create: true registers; then the name logs in with create: false, and is not created again', async () => {
    const made = await loginFrom(url, '127.0.0.42', 'twostep', 'password-1', { create: true });
    expect(made.status).toBe(200);
    expect(body(made)).toMatchObject({ created: true, user: { name: 'twostep' } });
    const taken = await loginFrom(url, '127.0.0.42', 'twostep', 'password-1', { create: true });
    expect(taken.status).toBe(409);
    expect(body(taken).error.code).toBe('name_taken');
    const back = await loginFrom(url, '127.0.0.42', 'twostep', 'password-1', { create: false });
    expect(back.status).toBe(200);
    expect(body(back).created).toBe(false);
    const wrong = await loginFrom(url, '127.0.0.42', 'twostep', 'password-9', { create: false });
    expect(wrong.status).toBe(401);
    const bad = await request(`${url}/api/login`, {
      method: 'POST',
      from: '127.0.0.42',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'twostep', password: 'password-1', create: 'yes' }),
    });
    expect(bad.status).toBe(400);
    expect(body(bad).error.message).toMatch(/create/);
  });

  it('a lookup counts like a failed attempt: listing names is refused at the per-address cap', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 22; i++)
      answers.push(
        (await loginFrom(url, '127.0.0.43', `probe-${i}`, 'password-1', { create: false })).status,
      );
    // The per-address failure cap here is 20.
    expect(answers).toEqual([...Array<number>(20).fill(404), 429, 429]);
    // Another address is not affected, and nothing was registered by the probes.
    const other = await loginFrom(url, '127.0.0.44', 'probe-0', 'password-1', { create: false });
    expect(other.status).toBe(404);
  }, 60_000);
});
