import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../admin/local-cluster.js';
import { connectUser, until } from '../helpers/cluster.js';
import { killAll, tmpDir } from '../helpers/processes.js';

/** A user who is not the one running the cluster (runs only where the test may switch to it). */
const STRANGER = { uid: 65534, gid: 65534 }; // nobody:nogroup
const ROOT_USER = process.getuid?.() === 0;

let cluster: LocalCluster;

beforeAll(async () => {
  // The state directory's parent is open to everyone (as a home directory often is), so what
  // keeps a stranger out is the cluster's own doing.
  const parent = tmpDir('open');
  chmodSync(parent, 0o755);
  cluster = await LocalCluster.start(2, {}, path.join(parent, 'state'));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await killAll();
});

/** The private redis-server's pid, from the banner. */
function redisPid(): number {
  return Number(/^\s+redis\s+pid (\d+)/m.exec(cluster.out.join('\n'))?.[1]);
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Every address a process listens on: TCP ports (v4 and v6) and Unix socket paths. */
function listening(pid: number): { tcp: number[]; unix: string[] } {
  const mine = socketInodes(pid);
  const tcp: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; field 9 is the inode.
      if (f[3] === '0A' && mine.has(f[9]!)) tcp.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  const unix: string[] = [];
  for (const line of readFileSync('/proc/net/unix', 'utf8').trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Flags 00010000 is a listening socket; field 6 is the inode, field 7 the path.
    if (f[3] === '00010000' && mine.has(f[6]!) && f[7]) unix.push(f[7]);
  }
  return { tcp, unix };
}

/** `redis-cli ... PING`, as this user or as another one. */
function redisCli(
  args: string[],
  as?: { uid: number; gid: number },
): { out: string; status: number | null } {
  const r = spawnSync('redis-cli', [...args, 'PING'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/' },
    cwd: '/',
    timeout: 10_000,
    ...(as ?? {}),
  });
  return { out: `${r.stdout}${r.stderr}`.trim(), status: r.status };
}

describe('chat-server start: the private Redis is open to its owner only', () => {
  it('listens on no TCP port, only on a Unix socket (0700) in the private state directory', () => {
    const pid = redisPid();
    expect(pid).toBeGreaterThan(0);
    const addrs = listening(pid);
    expect(addrs.tcp).toEqual([]);
    expect(addrs.unix).toHaveLength(1);
    const socket = addrs.unix[0]!;
    expect(path.dirname(socket)).toBe(path.join(cluster.stateDir, 'redis'));
    expect(statSync(socket).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    expect(statSync(cluster.stateDir).mode & 0o777).toBe(0o700);
    // The banner names it, for redis-cli -s; its owner gets in.
    expect(cluster.redisUrl).toBe(socket);
    expect(redisCli(['-s', socket]).out).toBe('PONG');
  });

  it.runIf(ROOT_USER)('refuses another local user on every address it listens on', () => {
    const { tcp, unix } = listening(redisPid());
    expect(tcp.length + unix.length).toBeGreaterThan(0);
    for (const port of tcp) {
      const r = redisCli(['-h', '127.0.0.1', '-p', String(port)], STRANGER);
      expect(r.out).not.toBe('PONG');
    }
    for (const socket of unix) {
      const r = redisCli(['-s', socket], STRANGER);
      expect(r.out).toMatch(/Permission denied/);
    }
  });

  it('the instances reach it through the socket and chat across instances', async () => {
    // Every process of the cluster is given the socket's path (no secret is needed, so none
    // can show in `ps`): the instances through their environment, Redis on its command line.
    const pids = cluster.pids.filter((p) => p !== cluster.proc.pid);
    expect(pids).toHaveLength(4); // chat-1, chat-2, redis-server, its watchdog
    for (const pid of pids) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      expect(cmdline).not.toMatch(/requirepass|password/i);
    }
    // The public port hands a connection to the least-loaded instance by the counts the
    // instances last reported, so two in a row can land on one: add users (at most 10) until
    // two instances have one.
    const users = [await connectUser([cluster.url])];
    const on = (u: (typeof users)[number]): string | undefined => u.client.welcome?.instanceId;
    while (new Set(users.map(on)).size < 2 && users.length < 10) {
      users.push(await connectUser([cluster.url]));
    }
    const a = users[0]!;
    const b = users.find((u) => on(u) !== on(a));
    expect(b, 'a user on another instance').toBeDefined();
    if (!b) return;
    await a.client.join('locked');
    await b.client.join('locked');
    expect((await a.client.send('locked', 'through the socket')).state).toBe('sent');
    await until(
      b.client,
      () => b.client.rooms.get('locked')!.messages.some((m) => m.text === 'through the socket'),
      15_000,
      'the message on the other instance',
    );
    for (const u of users) u.client.close();
  });
});
