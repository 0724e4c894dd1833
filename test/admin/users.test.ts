import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ApiError, login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import type {
  BanResult,
  UnbanResult,
  UserDeleteResult,
  UserList,
} from '../../src/protocol/index.js';
import { TEST_ENV, connectUser, until, userName, useCluster } from '../helpers/cluster.js';
import { ROOT, exited, tmpDir, track } from '../helpers/processes.js';
import { eventually } from '../helpers/eventually.js';
import { handshakeOutcome } from '../helpers/raw.js';
import { adminJson, runAdmin } from './run-admin.js';

const TOKEN = { CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN };
const cluster = useCluster(3);

/** `chat-admin --server <instance n> ...`. */
const via = (n: number, ...args: string[]): string[] => [
  '--server',
  cluster.nodes[n]!.url,
  ...args,
];

/** A user with a live client on instance 2 and another on instance 3 (two sessions). */
async function userOnTwoInstances(
  prefix: string,
): Promise<{ user: string; clients: ChatClient[]; tokens: string[] }> {
  const a = await connectUser([cluster.nodes[1]!.url], { user: userName(prefix) });
  const b = await connectUser([cluster.nodes[2]!.url], { user: a.user });
  cluster.clients.push(a.client, b.client);
  expect(a.client.welcome?.instanceId).toBe('chat-2');
  expect(b.client.welcome?.instanceId).toBe('chat-3');
  return { user: a.user, clients: [a.client, b.client], tokens: [a.token, b.token] };
}

/** Every instance refuses these tokens' handshakes, with `code`. */
async function refusedEverywhere(tokens: string[], code = 'unauthorized'): Promise<void> {
  for (const n of cluster.nodes)
    for (const token of tokens) expect(await handshakeOutcome(n.url, { token })).toBe(code);
}

const ended = (c: ChatClient): Promise<void> =>
  until(c, () => c.state.kind === 'ended', 10_000, 'session ended');

/** A login's failure (it must fail). */
async function refusedLogin(name: string, password = 'password-1'): Promise<ApiError> {
  const err = await login(cluster.nodes[0]!.url, name, password).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** Runs the built chat-tui with its own config directory. */
async function chatTui(
  args: string[],
  input: string,
  configDir: string,
): Promise<{ code: number | null; stderr: string }> {
  const child = track(
    spawn(process.execPath, [path.join(ROOT, 'bin/chat-tui.js'), ...args], {
      env: { ...process.env, CHAT_TUI_CONFIG_DIR: configDir },
      stdio: 'pipe',
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  child.stdin!.end(input);
  const { code } = await exited(child);
  return { code, stderr };
}

describe('chat-admin user list, user delete, ban, unban on a 3-instance cluster', () => {
  it('user list: the newest accounts first, with created, last seen and ban; --limit bounds it', async () => {
    const names = [userName('list'), userName('list'), userName('list')];
    for (const n of names) {
      await login(cluster.nodes[0]!.url, n, 'password-1');
      await sleep(2); // distinct creation times, so "newest first" has one answer
    }
    const doc = await adminJson<UserList>(via(1, 'user', 'list'), TOKEN);
    expect(doc.limit).toBe(100);
    expect(doc.total).toBe(doc.users.length);
    const ours = doc.users.filter((u) => names.includes(u.name));
    expect(ours.map((u) => u.name)).toEqual([...names].reverse());
    for (const u of ours) {
      expect(Object.keys(u).sort()).toEqual(['banned', 'createdAt', 'lastSeen', 'name']);
      expect(u.banned).toBeNull();
      // The login stamped it.
      expect(u.lastSeen).toBeGreaterThanOrEqual(u.createdAt);
      expect(Date.now() - u.createdAt).toBeLessThan(60_000);
    }

    // Human output, line by line: a header, one row per account, then the count.
    const human = await runAdmin(via(2, 'user', 'list', '--limit', '2'), TOKEN);
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    const lines = human.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^NAME\s+CREATED\s+LAST SEEN\s+BANNED\s+REASON$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${names[2]}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+\\d+s ago\\s+-$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^${names[1]}\\s`));
    expect(lines[3]).toBe(`2 of ${doc.total} accounts shown, newest first (--limit for more)`);
  });

  it('ban --for: live sockets on other instances end with the reason, and logins and old sessions are refused', async () => {
    const { user, clients, tokens } = await userOnTwoInstances('ban');
    const endings = clients.map(ended);
    const res = await adminJson<BanResult>(
      via(0, 'ban', user, '--for', '1h', '--reason', 'spamming the lobby'),
      TOKEN,
    );
    await Promise.all(endings);
    expect(res).toMatchObject({ user, sessions: 2, sockets: 2 });
    expect(res.ban.reason).toBe('spamming the lobby');
    expect(res.ban.until! - res.ban.since).toBe(3_600_000);
    for (const c of clients) {
      expect(c.state).toMatchObject({ kind: 'ended', reason: 'banned' });
      const message = c.state.kind === 'ended' ? c.state.message : '';
      expect(message).toMatch(
        new RegExp(
          `^the account "${user}" is banned until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(60 min left\\): spamming the lobby$`,
        ),
      );
    }
    // While the ban stands, a session it ended is refused as banned (a client that missed
    // the notice above still learns until when, and why).
    await refusedEverywhere(tokens, 'banned');

    // The right password is refused, with the reason; a wrong one says nothing of the ban.
    const refused = await refusedLogin(user);
    expect(refused).toMatchObject({ status: 403, code: 'banned' });
    expect(refused.message).toMatch(/is banned until .*: spamming the lobby$/);
    expect((await refusedLogin(user, 'wrong-password')).status).toBe(401);

    // Listed as banned, until when and why.
    const { users } = await adminJson<UserList>(via(2, 'user', 'list'), TOKEN);
    expect(users.find((u) => u.name === user)?.banned).toEqual(res.ban);
    const human = await runAdmin(via(1, 'user', 'list'), TOKEN);
    expect(human.stdout).toMatch(
      new RegExp(
        `^${user}\\s.*\\suntil \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+spamming the lobby$`,
        'm',
      ),
    );
  });

  it('a timed ban expires by itself', async () => {
    const user = userName('timed');
    const { token } = await login(cluster.nodes[0]!.url, user, 'password-1');
    const res = await adminJson<BanResult>(via(1, 'ban', user, '--for', '5s'), TOKEN);
    expect(res.sessions).toBe(1);
    expect((await refusedLogin(user)).code).toBe('banned');
    // No event marks a ban's end (its key expires in Redis): ask until a login is let in
    // (any refusal but `banned` ends the asking, and fails below).
    const outcome = await eventually(
      async () => {
        const r = await login(cluster.nodes[2]!.url, user, 'password-1').catch((e: unknown) => e);
        if (r instanceof ApiError && r.code === 'banned') throw new Error('still banned');
        return r;
      },
      { what: 'a login once the ban is over', timeoutMs: 15_000, everyMs: 200 },
    );
    expect(outcome).not.toBeInstanceOf(ApiError);
    // Same machine, same clock: not a moment before the ban's end.
    expect(Date.now()).toBeGreaterThanOrEqual(res.ban.until!);
    // The session the ban ended stays ended, and a client still holding it is asked to log in
    // again (not told of a ban that is over).
    await refusedEverywhere([token]);
    const stale = new ChatClient({ servers: [cluster.nodes[1]!.url], token, pingEveryMs: 0 });
    cluster.clients.push(stale);
    await expect(stale.connect()).rejects.toThrow('log in again');
    expect(stale.state).toMatchObject({ kind: 'ended', reason: 'unauthorized' });
    const after = await adminJson<UserList>(via(0, 'user', 'list'), TOKEN);
    expect(after.users.find((u) => u.name === user)?.banned).toBeNull();
  });

  it('ban without --for lasts until unban; unban of an account not banned changes nothing', async () => {
    const { user, clients } = await userOnTwoInstances('perm');
    const endings = clients.map(ended);
    const human = await runAdmin(via(1, 'ban', user), TOKEN);
    await Promise.all(endings);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      `banned ${user} with no end: 2 sessions ended, 2 connections closed\n`,
    );
    expect(clients[0]!.state).toMatchObject({
      kind: 'ended',
      reason: 'banned',
      message: `the account "${user}" is banned`,
    });
    const list = await runAdmin(via(0, 'user', 'list'), TOKEN);
    expect(list.stdout).toMatch(new RegExp(`^${user}\\s.*\\sno end$`, 'm'));
    expect((await refusedLogin(user)).code).toBe('banned');

    const unban = await runAdmin(via(2, 'unban', user), TOKEN);
    expect(unban).toMatchObject({ code: 0, stdout: `unbanned ${user}\n`, stderr: '' });
    const { token } = await login(cluster.nodes[0]!.url, user, 'password-1');
    for (const n of cluster.nodes)
      expect(await handshakeOutcome(n.url, { token })).toBe('connected');

    const again = await adminJson<UnbanResult>(via(0, 'unban', user), TOKEN);
    expect(again).toEqual({ user, wasBanned: false });
    const human2 = await runAdmin(via(0, 'unban', user), TOKEN);
    expect(human2).toMatchObject({ code: 0, stdout: `${user} was not banned\n` });
    expect(await handshakeOutcome(cluster.nodes[1]!.url, { token })).toBe('connected');
  });

  it('user delete ends every session on every instance and frees the name', async () => {
    const { user, clients, tokens } = await userOnTwoInstances('del');
    // Something in each of the account's other keys: a kept room, its marker, a conversation,
    // an away message.
    const room = `${user}-room`;
    await clients[0]!.join(room, undefined, { remember: true });
    const sent = await clients[0]!.send(room, 'to be forgotten');
    await until(clients[0]!, () => sent.state === 'sent', 20_000, 'the send acked');
    await clients[0]!.markRead(room, sent.id!);
    await clients[0]!.setAway('gone for good');
    const before = cluster.redis.client();
    const kept = [
      `chat:user:{${user}}:marks`,
      `chat:user:{${user}}:rooms`,
      `chat:user:{${user}}:away`,
    ];
    expect(await before.exists(...kept)).toBe(3);
    before.disconnect();
    const endings = clients.map(ended);
    const res = await adminJson<UserDeleteResult>(via(0, 'user', 'delete', user), TOKEN);
    await Promise.all(endings);
    expect(res).toEqual({ user, sessions: 2, sockets: 2 });
    for (const c of clients) {
      expect(c.state).toMatchObject({
        kind: 'ended',
        reason: 'account_deleted',
        message: `the account "${user}" was deleted by an operator`,
      });
    }
    // What is typed now is not sent, and says why: no reconnect will come to retry it.
    const late = await clients[0]!.send(room, 'anyone?');
    expect(late).toMatchObject({
      state: 'rejected',
      error: { message: `the session ended (the account "${user}" was deleted by an operator)` },
    });
    await refusedEverywhere(tokens);
    // Nothing of it is left in its slot.
    const r = cluster.redis.client();
    try {
      const k = `chat:user:{${user}}`;
      expect(await r.exists(k, `${k}:sessions`, `${k}:ban`, `${k}:seen`)).toBe(0);
      expect(await r.exists(`${k}:marks`, `${k}:rooms`, `${k}:away`)).toBe(0);
    } finally {
      r.disconnect();
    }
    const { users } = await adminJson<UserList>(via(1, 'user', 'list'), TOKEN);
    expect(users.some((u) => u.name === user)).toBe(false);

    // The name is free: someone else registers it; the old sessions stay dead.
    const fresh = await login(cluster.nodes[2]!.url, user, 'another-password');
    expect(fresh.created).toBe(true);
    expect(await handshakeOutcome(cluster.nodes[1]!.url, { token: fresh.token })).toBe('connected');
    const listed = await adminJson<UserList>(via(1, 'user', 'list'), TOKEN);
    expect(listed.users.filter((u) => u.name === user)).toHaveLength(1);

    // Human output.
    const human = await runAdmin(via(2, 'user', 'delete', user), TOKEN);
    expect(human).toMatchObject({
      code: 0,
      stdout: `deleted ${user}: 1 session ended, 0 connections closed; the name is free\n`,
      stderr: '',
    });
  });

  it('a name registered again after a delete inherits nothing: not the conversations, not the messages', async () => {
    const { user: bob, client: oldBob } = await connectUser([cluster.nodes[0]!.url], {
      user: userName('heir'),
    });
    const { user: alice, client: aliceClient } = await connectUser([cluster.nodes[1]!.url]);
    cluster.clients.push(oldBob, aliceClient);
    const room = `${bob}-pub`;
    await oldBob.join(room);
    const said = await oldBob.send(room, 'the old owner speaks');
    await oldBob.join(`@${alice}`);
    await aliceClient.join(`@${bob}`);
    for (const m of [
      await aliceClient.send(`@${bob}`, 'a secret for bob only'),
      await oldBob.send(`@${alice}`, 'a private reply'),
    ]) {
      await until(aliceClient, () => m.state === 'sent', 20_000, 'the send acked');
    }
    await until(oldBob, () => said.state === 'sent', 20_000, 'the send acked');
    await adminJson<UserDeleteResult>(via(0, 'user', 'delete', bob), TOKEN);
    await until(oldBob, () => oldBob.state.kind === 'ended', 10_000, 'old bob ended');
    // Before the name is taken again: the conversation takes nothing more.
    const meanwhile = await aliceClient.send(`@${bob}`, 'are you there?');
    await until(aliceClient, () => meanwhile.state === 'rejected', 20_000, 'the send refused');
    expect(meanwhile.error).toMatchObject({
      code: 'not_found',
      message: `the account ${bob} was deleted, and this conversation with it; open @${bob} again to write to whoever has the name now`,
    });

    // Someone else registers the name.
    const { client: newBob } = await connectUser([cluster.nodes[2]!.url], { user: bob });
    cluster.clients.push(newBob);
    await newBob.join(`@${alice}`);
    expect(newBob.rooms.get(`@${alice}`)!.messages.map((m) => m.text)).toEqual([]);
    const page = await newBob.loadOlder(`@${alice}`);
    expect(page).toBe(0);
    expect(newBob.rooms.get(`@${alice}`)!.messages).toEqual([]);
    // Opened afresh, it takes alice's messages again, from her socket that had it open all along:
    // to the new bob.
    const hello = await aliceClient.send(`@${bob}`, 'hello, whoever you are');
    await until(aliceClient, () => hello.state === 'sent', 20_000, 'the send acked');
    await until(
      newBob,
      () => newBob.rooms.get(`@${alice}`)!.messages.some((m) => m.text === hello.text),
      20_000,
      'the new bob has it',
    );
    // Nor can it change what the old owner said.
    await newBob.join(room);
    await expect(newBob.edit(room, said.id!, 'words put in his mouth')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(newBob.remove(room, said.id!)).rejects.toMatchObject({ code: 'forbidden' });
    // Its own messages, it can.
    const mine = await newBob.send(room, 'the new owner speaks');
    await until(newBob, () => mine.state === 'sent', 20_000, 'the send acked');
    expect((await newBob.edit(room, mine.id!, 'the new owner, edited')).duplicate).toBe(false);
  });

  it('an account that does not exist: delete, ban, unban and kick exit 1 with a clear line, changing nothing', async () => {
    const ghost = userName('ghost');
    const runs = await Promise.all([
      runAdmin(via(0, 'user', 'delete', ghost), TOKEN),
      runAdmin(via(1, 'ban', ghost, '--for', '1h'), TOKEN),
      runAdmin(via(2, 'unban', ghost, '--json'), TOKEN),
      runAdmin(via(0, 'kick', ghost), TOKEN),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`chat-admin: there is no account named "${ghost}"\n`);
    }
    const r = cluster.redis.client();
    try {
      const k = `chat:user:{${ghost}}`;
      expect(await r.exists(k, `${k}:sessions`, `${k}:ban`, `${k}:seen`)).toBe(0);
    } finally {
      r.disconnect();
    }
    // The name was never taken: it registers.
    expect((await login(cluster.nodes[0]!.url, ghost, 'password-1')).created).toBe(true);
  });

  it('chat-tui: a script logged in is cut off with the ban reason, and its login is refused with it', async () => {
    const configDir = tmpDir('tui-ban');
    const user = userName('tui');
    const url = cluster.nodes[1]!.url;
    const loggedIn = await chatTui(
      ['login', '--server', url, '--user', user, '--password-stdin'],
      'password-1\n',
      configDir,
    );
    expect(loggedIn.code).toBe(0);
    // A message in the room before tail starts: tail prints it from history once it has
    // joined, so its socket is there to be cut off.
    const room = userName('banroom');
    const { client: sender } = await connectUser([url]);
    cluster.clients.push(sender);
    await sender.join(room);
    await sender.send(room, 'before the ban');
    const child = track(
      spawn(process.execPath, [path.join(ROOT, 'bin/chat-tui.js'), 'tail', room, '--server', url], {
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: configDir },
        stdio: 'pipe',
      }),
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) =>
      createInterface({ input: child.stdout! }).on('line', (l) => {
        if (l.endsWith(`: before the ban`)) resolve();
      }),
    );
    const res = await adminJson<BanResult>(
      via(0, 'ban', user, '--reason', 'flooding', '--for', '1h'),
      TOKEN,
    );
    expect(res.sockets).toBe(1);
    const { code } = await exited(child);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`the account "${user}" is banned until .* UTC \\(\\d+ min left\\): flooding`),
    );
    expect(stderr).not.toMatch(/run chat-tui login/);

    const relogin = await chatTui(
      ['login', '--server', url, '--user', user, '--password-stdin'],
      'password-1\n',
      configDir,
    );
    expect(relogin.code).toBe(1);
    expect(relogin.stderr).toMatch(
      new RegExp(
        `login failed: the account "${user}" is banned until .* UTC \\(\\d+ min left\\): flooding`,
      ),
    );
  });
});
