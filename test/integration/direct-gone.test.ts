import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/server/auth/accounts.js';
import { AccountOps } from '../../src/server/auth/account-ops.js';
import { directRoom } from '../../src/server/rooms/direct.js';
import { History } from '../../src/server/rooms/history.js';
import { Marks } from '../../src/server/rooms/marks.js';
import { GONE_MARK_TTL_SEC, makeKeys, roomKeys, type Keys } from '../../src/server/redis/keys.js';
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

  /**
   * `name`'s account is deleted without its conversations being found (as when no index names
   * them), the name registered again, and its conversation with `peer` joined by the new
   * holder: the new account and the join's read.
   */
  async function takenAgain(name: string, peer: { account: string }) {
    await ops.remove(name, { conversations: false });
    const holder = await register(name);
    const room = directRoom(name, peer.account.slice(0, peer.account.lastIndexOf(':')));
    const fresh = await history.read(
      room,
      { limit: 10, accounts: [holder.account, peer.account] },
      true,
    );
    return { holder, fresh };
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
    // The mark does not stay for ever.
    expect(await cmd.ttl(keys.roomMeta(room))).toBeGreaterThan(GONE_MARK_TTL_SEC - 60);
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

  it("a conversation its deletion did not find is not the next holder of the name's: it opens afresh, and the old account can neither join nor write in it", async () => {
    const frank = await register('frank');
    const gina = await register('gina');
    const room = directRoom('frank', 'gina');
    const old = await history.read(
      room,
      { limit: 10, accounts: [frank.account, gina.account] },
      true,
    );
    await say(room, 'gina', gina.since, 'for frank only');
    const { fresh } = await takenAgain('frank', gina);
    expect(fresh.page.messages).toEqual([]);
    expect(fresh.meta.seq).toBe(0);
    expect(fresh.meta.epoch).not.toBe(old.meta.epoch);
    // gina's socket joined before sees the conversation go on in its new epoch.
    const hi = await say(room, 'gina', gina.since, 'hello, new frank');
    expect(hi).toMatchObject({ seq: 1, epoch: fresh.meta.epoch });
    // A join checked against the deleted account (before the new one registered) is refused...
    await expect(
      history.read(room, { limit: 10, accounts: [gina.account, frank.account] }, true),
    ).rejects.toMatchObject({ code: 'not_found' });
    // ...and a socket of it that is still open cannot write as frank.
    await expect(say(room, 'frank', frank.since, 'it is me')).rejects.toMatchObject({
      code: 'not_found',
      message:
        'the account frank was deleted, and this conversation with it; open @frank again to write to whoever has the name now',
    });
    const now = await history.read(room, { limit: 10 }, false);
    expect(now.page.messages.map((m) => m.text)).toEqual(['hello, new frank']);
  });

  it("a deletion's late end of a conversation leaves it alone once the next holder of the name has opened it", async () => {
    const hal = await register('hal');
    const ivy = await register('ivy');
    const room = directRoom('hal', 'ivy');
    await history.read(room, { limit: 10, accounts: [hal.account, ivy.account] }, true);
    await say(room, 'ivy', ivy.since, 'to the first hal');
    const { holder: newHal } = await takenAgain('hal', ivy);
    await say(room, 'hal', newHal.since, 'the new hal');
    // The deletion's step for this conversation comes only now.
    expect(await cmd.chatConversationEnd(...roomKeys(keys, room), hal.account, 60)).toBe(0);
    const now = await history.read(room, { limit: 10 }, false);
    expect(now.page.messages.map((m) => m.text)).toEqual(['the new hal']);
    expect(await cmd.hget(keys.roomMeta(room), 'gone')).toBeNull();
  });

  it('a send to a conversation whose meta is gone is refused and opens nothing: only a join opens one', async () => {
    const jo = await register('jo');
    const kim = await register('kim');
    const room = directRoom('jo', 'kim');
    await history.read(room, { limit: 10, accounts: [jo.account, kim.account] }, true);
    await cmd.del(keys.roomMeta(room));
    await expect(say(room, 'jo', jo.since, 'anyone?')).rejects.toMatchObject({
      code: 'not_found',
      message: 'the conversation with kim is not open any more; open @kim again to write in it',
    });
    expect(await cmd.exists(keys.roomMeta(room), keys.roomLog(room))).toBe(0);
  });

  it('a send retried into a new epoch of its room is stored there, not answered with an id of the old one', async () => {
    const lee = await register('lee');
    const mo = await register('mo');
    const room = directRoom('lee', 'mo');
    await history.read(room, { limit: 10, accounts: [lee.account, mo.account] }, true);
    const send = {
      room,
      from: 'mo',
      text: 'sent once, its ack lost',
      kind: 'text' as const,
      clientMsgId: cmid(),
      senderSince: mo.since,
    };
    const first = await history.append(send);
    const { fresh } = await takenAgain('lee', mo);
    const retried = await history.append(send);
    expect(retried).toMatchObject({ duplicate: false, seq: 1, epoch: fresh.meta.epoch });
    expect(retried.id).not.toBe(first.id);
    // Retried again in the same epoch: that one.
    expect(await history.append(send)).toEqual({ ...retried, duplicate: true });
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
