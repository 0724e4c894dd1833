import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, waitReady, type RedisConn } from '../../src/server/redis/clients.js';
import { failedInScript } from '../../src/server/redis/scripts.js';
import { TestRedis } from '../helpers/redis.js';

/**
 * An error reply from Redis belongs to its command. The instance's command connection sends
 * no command while it reconnects (no offline queue), so a connection dropped for an error
 * reply would fail everything else the instance asked meanwhile: one bad record (a key of the
 * wrong type, a script's error) would look like an outage to every user of the instance.
 */
let redis: TestRedis;
let cmd: RedisConn;
const reconnects: number[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  cmd = connect({ kind: 'single', url: redis.url }, 'cmd', 'errors-test');
  await waitReady(cmd, 5000);
  cmd.on('reconnecting', () => reconnects.push(Date.now()));
});
afterAll(async () => {
  cmd.disconnect();
  await redis.down();
});

describe("the command connection and a command's error reply", () => {
  it('answers the error to its command only: the next commands run on the same connection', async () => {
    await cmd.set('errors:text', 'not a number');
    await cmd.rpush('errors:list', 'x');
    const failures = await Promise.all([
      cmd.incr('errors:text').catch((e: Error) => e.message),
      cmd.get('errors:list').catch((e: Error) => e.message),
      cmd
        .eval("return redis.call('INCR', KEYS[1])", 1, 'errors:text')
        .catch((e: Error) => e.message),
    ]);
    expect(failures[0]).toMatch(/not an integer/);
    expect(failures[1]).toMatch(/WRONGTYPE/);
    expect(failures[2]).toMatch(/not an integer/);
    // Sent after the errors came back: on a dropped connection these would fail at once.
    expect(await cmd.get('errors:text')).toBe('not a number');
    expect(await cmd.llen('errors:list')).toBe(1);
    expect(cmd.status).toBe('ready');
    expect(reconnects).toEqual([]);
  });

  it("tells a script's error on a record from Redis refusing a command", async () => {
    await cmd.set('errors:json', 'not json {');
    const errorOf = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    // Raised while the script ran on its keys: the data's state.
    expect(
      failedInScript(
        await errorOf(
          cmd.eval("return cjson.decode(redis.call('GET', KEYS[1]))", 1, 'errors:json'),
        ),
      ),
    ).toBe(true);
    expect(
      failedInScript(
        await errorOf(cmd.eval("return redis.call('GET', KEYS[1])", 1, 'errors:list')),
      ),
    ).toBe(true);
    // Refused outright, as READONLY, LOADING or OOM are: the storage's state, not a record's.
    expect(failedInScript(await errorOf(cmd.get('errors:list')))).toBe(false);
    expect(failedInScript(await errorOf(cmd.call('NO-SUCH-COMMAND')))).toBe(false);
    expect(failedInScript(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe(false);
  });
});
