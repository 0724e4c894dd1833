import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/server/auth/accounts.js';
import { AccountOps } from '../../src/server/auth/account-ops.js';
import { directRoom } from '../../src/server/rooms/direct.js';
import { History } from '../../src/server/rooms/history.js';
import { Marks } from '../../src/server/rooms/marks.js';
import { makeKeys, type Keys } from '../../src/server/redis/keys.js';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { BACKENDS, commandClient, startStore, type TestStore } from '../helpers/cluster.js';

/**
 * A direct conversation ended by the deletion of one of its accounts, in the scripts that
 * store and read it: what the deletion leaves (a mark in the conversation's meta) is read in
 * the same atomic step as the append and the join's page, so neither can come between the
 * deletion and its effect. On one Redis and on a Redis Cluster.
 */
describe.each(BACKENDS)('a conversation of a deleted account (%s)', (backend) => {
  let store: TestStore;
  let cmd: RedisConn;
  let keys: Keys;
  let history: History;
  let accounts: Accounts;
  let ops: AccountOps;
  let marks: Marks;

  beforeAll(async () => {
    store = await startStore(backend);
    cmd = commandClient(store);
    keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
    history = new History(cmd, keys, { maxLen: 100, waitReplicas: 0, waitTimeoutMs: 0 });
    accounts = new Accounts(cmd, keys);
    ops = new AccountOps(cmd, keys);
    marks = new Marks(cmd, keys, history.changes);
  }, 60_000);
  afterAll(async () => {
    cmd?.disconnect();
    await store?.down();
  });

  /** Registers `name`; `<name>:<created>`, as a join checks the account. */
  async function register(name: string): Promise<{ since: number; account: string }> {
    const { user } = await accounts.login(name, 'a-password-long-enough', 'new');
    return { since: user.createdAt, account: `${name}:${user.createdAt}` };
  }

  let n = 0;
  const cmid = (): string => `cmid-${String(++n).padStart(6, '0')}`;

  /** `from` (of the account made at `since`) says `text` in `room`. */
  const say = (room: string, from: string, since: number, text: string) =>
    history.append({ room, from, text, kind: 'text', clientMsgId: cmid(), senderSince: since });

  /** `from` (of the account made at `since`) edits or deletes message `ref` of `room`. */
  const change = (
    room: string,
    from: string,
    since: number,
    ref: string,
    kind: 'edit' | 'delete',
    clientMsgId = cmid(),
  ) =>
    history.changes.change({
      room,
      from,
      ref,
      kind,
      text: kind === 'edit' ? `${from} changed it` : '',
      clientMsgId,
      since,
    });

  it('takes no more messages, refuses a join checked before the deletion, and opens afresh for the next holder of the name', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const room = directRoom('alice', 'bob');
    const accountsNow = [alice.account, bob.account] as const;
    await history.read(room, { limit: 10, accounts: accountsNow }, true);
    const said = await say(room, 'bob', bob.since, 'for alice only');
    await marks.directActivity(room);

    await ops.delete('bob');

    // alice still has it open: her message is refused, and nothing is stored or made.
    await expect(say(room, 'alice', alice.since, 'are you there?')).rejects.toMatchObject({
      code: 'not_found',
      message:
        'the account bob was deleted, and this conversation with it; open @bob again to write to whoever has the name now',
    });
    expect(await cmd.exists(keys.roomLog(room))).toBe(0);
    expect(await cmd.hgetall(keys.roomMeta(room))).toEqual({ gone: bob.account });
    // A read makes nothing and finds nothing.
    const read = await history.read(room, { limit: 10 }, false);
    expect(read.meta).toBeUndefined();
    expect(read.page.messages).toEqual([]);
    // A join that checked bob's account before the deletion: refused, the mark kept.
    await expect(
      history.read(room, { limit: 10, accounts: accountsNow }, true),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await cmd.hget(keys.roomMeta(room), 'gone')).toBe(bob.account);
    // Nor can anyone change what was said in it.
    await expect(change(room, 'bob', bob.since, said.id, 'edit')).rejects.toMatchObject({
      code: 'not_found',
    });

    // Someone registers the name; a join checked against the new account opens it afresh.
    const newBob = await register('bob');
    expect(newBob.account).not.toBe(bob.account);
    const fresh = await history.read(
      room,
      { limit: 10, accounts: [newBob.account, alice.account] },
      true,
    );
    expect(fresh.page.messages).toEqual([]);
    expect(await cmd.hget(keys.roomMeta(room), 'gone')).toBeNull();
    const again = await say(room, 'alice', alice.since, 'hello, new bob');
    expect(again).toMatchObject({ seq: 1, epoch: fresh.meta.epoch, duplicate: false });
  });

  it('a message is changed only by the account that wrote it, however close in time the next holder of the name registered', async () => {
    const carol = await register('carol');
    const said = await say('open', 'carol', carol.since, 'mine');
    await ops.delete('carol');
    const next = await register('carol');
    // No wait for clocks: the message names the account that wrote it.
    await expect(change('open', 'carol', next.since, said.id, 'edit')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(change('open', 'carol', next.since, said.id, 'delete')).rejects.toMatchObject({
      code: 'forbidden',
    });
    const hers = await say('open', 'carol', next.since, 'the new carol');
    await expect(change('open', 'carol', next.since, hers.id, 'edit')).resolves.toMatchObject({
      duplicate: false,
    });
  });

  it('an edit retried across a rolling upgrade, first stored under the client id alone, is not stored twice', async () => {
    const dan = await register('dan');
    const said = await say('upgrade', 'dan', dan.since, 'first');
    // The edit as an instance of the version before stored it: its dedupe key under the
    // client's id alone, its entry an edit of the message.
    const id = cmid();
    const first = await change('upgrade', 'dan', dan.since, said.id, 'edit', id);
    await cmd.rename(
      keys.sendDedupe('upgrade', 'dan', `edit:${said.id}:${id}`),
      keys.sendDedupe('upgrade', 'dan', id),
    );
    const retried = await change('upgrade', 'dan', dan.since, said.id, 'edit', id);
    expect(retried).toEqual({ ...first, duplicate: true });
    // The same client id for another change of it (a delete) is that change, stored.
    const del = await change('upgrade', 'dan', dan.since, said.id, 'delete', id);
    expect(del.duplicate).toBe(false);
    expect(await cmd.xlen(keys.roomLog('upgrade'))).toBe(3);
  });
});
