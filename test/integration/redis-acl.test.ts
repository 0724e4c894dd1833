import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logout } from '../../src/client/api.js';
import type { ChatMessage } from '../../src/protocol/index.js';
import {
  TEST_ENV,
  connectUser,
  startInstances,
  until,
  type TestInstance,
} from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { TestRedis, documentedAcl } from '../helpers/redis.js';
import { LocalCluster } from '../admin/local-cluster.js';
import { runAdmin } from '../admin/run-admin.js';

/**
 * The `ACL SETUSER` line for `REDIS_URL` users in docs/operations.md, tested as written: a redis-server
 * whose `default` user is off, two instances logged in as that user only, every kind of
 * request the server makes to Redis, and nothing refused (`ACL LOG` stays empty).
 */
const PASSWORD = 'acl-test-password-0123456789';
const ADMIN = { username: 'admin', password: 'admin-password-0123456789' };

let redis: TestRedis;
let admin: Redis;
let nodes: TestInstance[];

beforeAll(async () => {
  redis = await TestRedis.start();
  const setup = redis.client();
  await setup.call(
    'ACL',
    'SETUSER',
    ADMIN.username,
    'on',
    `>${ADMIN.password}`,
    '~*',
    '&*',
    '+@all',
  );
  await setup.call('ACL', 'SETUSER', 'chat', ...documentedAcl(PASSWORD));
  await setup.call('ACL', 'SETUSER', 'default', 'off');
  setup.disconnect();
  admin = new Redis({ port: redis.port, host: '127.0.0.1', ...ADMIN, maxRetriesPerRequest: 1 });
  await admin.call('ACL', 'LOG', 'RESET');
  nodes = await startInstances(2, `redis://chat:${PASSWORD}@127.0.0.1:${redis.port}`);
}, 60_000);

afterAll(async () => {
  admin?.disconnect();
  await killAll();
});

describe('REDIS_URL as the documented ACL user (default user off)', () => {
  it('a connection without credentials is refused, and the chat user can touch nothing else', async () => {
    // With `default` off, a client that names no user is not let in.
    const anon = spawnSync('redis-cli', ['-p', String(redis.port), 'PING'], { encoding: 'utf8' });
    expect(anon.stdout + anon.stderr).toMatch(/NOAUTH/);
    const chat = new Redis({
      port: redis.port,
      host: '127.0.0.1',
      username: 'chat',
      password: PASSWORD,
      maxRetriesPerRequest: 1,
    });
    await expect(chat.flushall()).rejects.toThrow(/NOPERM/);
    await expect(chat.set('other:key', '1')).rejects.toThrow(/NOPERM/);
    await expect(chat.call('CONFIG', 'GET', 'dir')).rejects.toThrow(/NOPERM/);
    chat.disconnect();
    await admin.call('ACL', 'LOG', 'RESET');
  });

  it('logins, rooms, messages across instances, history, typing, directs, admin status and kick: nothing refused', async () => {
    const urls = nodes.map((n) => n.url);
    const a = await connectUser([urls[0]!]);
    const b = await connectUser([urls[1]!]);
    await a.client.join('acl');
    await b.client.join('acl');
    const out = await a.client.send('acl', 'as the acl user');
    expect(out.state).toBe('sent');
    await until(
      b.client,
      () => b.client.rooms.get('acl')!.messages.some((m) => m.text === 'as the acl user'),
      15_000,
      'the message on the other instance',
    );
    // Edit, search, read markers, kept rooms and delete: every script and command they use.
    // (The sender's id is its ack's: its own live copy may come after the ack, over the
    // room's channel, as b's did.)
    const sentId = out.id!;
    expect((await a.client.edit('acl', sentId, 'as the acl user, edited')).id).toBeTruthy();
    expect((await b.client.search('acl', 'EDITED')).hits.map((h) => h.text)).toEqual([
      'as the acl user, edited',
    ]);
    await b.client.join('acl-kept', undefined, { remember: true });
    expect((await b.client.markRead('acl', sentId)).id).toBe(sentId);
    expect((await b.client.fetchMarks()).rooms).toContain('acl-kept');
    await a.client.setTyping('acl', true);
    await until(b.client, () => b.client.rooms.get('acl')!.typing.has(a.user), 15_000, 'typing');
    // A room with a member and no message is listed too (its activity read by ZMSCORE).
    await b.client.join('acl-quiet');
    expect((await b.client.listRooms()).map((r) => r.name)).toEqual(
      expect.arrayContaining(['acl', 'acl-quiet']),
    );
    // A direct conversation, and history read back by a later join.
    await a.client.join(`@${b.user}`);
    expect((await a.client.send(`@${b.user}`, 'just us')).state).toBe('sent');
    const late = await connectUser([urls[1]!], { user: b.user });
    const room = await late.client.join('acl');
    expect(room.messages.map((m) => m.text)).toContain('as the acl user, edited');

    const adminEnv = { CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN };
    const status = await runAdmin(['--server', urls[0]!, 'status', '--json'], adminEnv);
    expect(status.code).toBe(0);
    const rooms = await runAdmin(['--server', urls[1]!, 'rooms', '--directs', '--json'], adminEnv);
    expect(rooms.code).toBe(0);
    const kick = await runAdmin(['--server', urls[1]!, 'kick', a.user], adminEnv);
    expect(kick.code).toBe(0);
    await until(a.client, () => a.client.state.kind === 'ended', 15_000, 'kicked');
    expect((await late.client.send('acl', 'to be deleted')).state).toBe('sent');
    // The ack and the room's live copy come over two connections to Redis, in either order.
    const doomedIn = (): ChatMessage | undefined =>
      late.client.rooms.get('acl')!.messages.find((m) => m.text === 'to be deleted');
    await until(late.client, () => doomedIn() !== undefined, 10_000, 'the live copy');
    const doomed = doomedIn()!;
    expect((await late.client.remove('acl', doomed.id)).id).toBeTruthy();
    await logout(urls[1]!, late.token);
    for (const c of [a, b, late]) c.client.close();

    const log = (await admin.call('ACL', 'LOG')) as unknown[];
    expect(log).toEqual([]);
  });

  it('chat-server start on it: the banner does not show the password, and chat flows', async () => {
    const url = `redis://chat:${PASSWORD}@127.0.0.1:${redis.port}`;
    // Keys of its own (within the user's `chat:*`): the instances of the test before, still
    // up on this Redis, are chat-1 and chat-2 too, and an id in use is refused.
    const local = await LocalCluster.start(2, { REDIS_URL: url, CHAT_KEY_PREFIX: 'chat:local:' });
    try {
      const banner = local.out.join('\n');
      expect(banner).not.toContain(PASSWORD);
      expect(banner).toContain(`redis  redis://***@127.0.0.1:${redis.port}`);
      const a = await connectUser([local.url]);
      const b = await connectUser([local.url]);
      await a.client.join('acl-start');
      await b.client.join('acl-start');
      expect((await a.client.send('acl-start', 'through the supervisor')).state).toBe('sent');
      await until(
        b.client,
        () =>
          b.client.rooms
            .get('acl-start')!
            .messages.some((m) => m.text === 'through the supervisor'),
        15_000,
        'the message',
      );
      a.client.close();
      b.client.close();
    } finally {
      await local.stop();
    }
    expect((await admin.call('ACL', 'LOG')) as unknown[]).toEqual([]);
  });
});
