import { beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import {
  ADMIN_NAMESPACE,
  type ChatMessage,
  type Notice,
  type Result,
} from '../../src/protocol/index.js';
import type { StatusDocument } from '../../src/admin/status-document.js';
import { TEST_ENV, connectUser, until, useCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { noticeOf, within } from './notices.js';
import { adminJson, runAdmin } from './run-admin.js';

const TOKEN = { CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN };
/** How many clients each instance gets: deliberately uneven. */
const SPREAD = [2, 5, 8];

const cluster = useCluster(3, { CHAT_KEY_PREFIX: 'admin-cluster:' });
const { clients } = cluster;

beforeAll(async () => {
  // Each client starts on its instance; if that one dies it moves on to the others.
  for (const [n, count] of SPREAD.entries()) {
    const urls = cluster.nodes.map((x) => x.url);
    const order = [...urls.slice(n), ...urls.slice(0, n)];
    for (let i = 0; i < count; i++) {
      const { client } = await connectUser(order, { backoffMinMs: 100, backoffMaxMs: 500 });
      clients.push(client);
    }
  }
});

const server = (n = 0): string[] => ['--server', cluster.nodes[n]!.url];

/** Connected clients per instance id, as the clients themselves see it. */
function actualSpread(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of clients) {
    if (c.state.kind === 'connected') out[c.state.instanceId] = (out[c.state.instanceId] ?? 0) + 1;
  }
  return out;
}

function spreadOf(doc: StatusDocument): Record<string, number> {
  return Object.fromEntries(doc.instances.map((i) => [i.id, i.connections]));
}

/**
 * Runs `status --json` until `pred` holds (statuses are written once a second; a CLI run may
 * itself take seconds on a busy machine, so the bound is on the state, not on the runs).
 */
function statusUntil(pred: (d: StatusDocument) => boolean, what: string): Promise<StatusDocument> {
  return eventually(
    async () => {
      const doc = await adminJson<StatusDocument>([...server(0), 'status'], TOKEN);
      if (!pred(doc)) throw new Error(`last status: ${JSON.stringify(doc)}`);
      return doc;
    },
    { what, everyMs: 0 },
  );
}

/**
 * Reads `admin:status` over one connection until `id` is gone (status has no change event to
 * await); ms since `since`.
 */
async function apiDropTime(id: string, since: number): Promise<number> {
  const s = io(`${cluster.nodes[0]!.url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    forceNew: true,
  });
  try {
    return await eventually(
      async () => {
        const res = await new Promise<Result<StatusDocument>>((resolve, reject) =>
          s
            .timeout(5000)
            .emit('admin:status', {}, (err: Error | null, r: Result<StatusDocument>) =>
              err ? reject(err) : resolve(r),
            ),
        );
        if (!res.ok) throw new Error(`admin:status refused: ${res.error.message}`);
        const listed = res.data.instances.map((i) => i.id);
        if (listed.includes(id)) throw new Error(`${id} still listed (${listed.join(', ')})`);
        return Date.now() - since;
      },
      { what: `${id} dropped from admin:status`, timeoutMs: 10_000, everyMs: 100 },
    );
  } finally {
    s.close();
  }
}

describe('chat-admin on a 3-instance cluster', () => {
  it('status --json counts exactly the clients connected to each instance', async () => {
    const expected = { 'chat-1': 2, 'chat-2': 5, 'chat-3': 8 };
    expect(actualSpread()).toEqual(expected);
    const doc = await statusUntil(
      (d) => JSON.stringify(spreadOf(d)) === JSON.stringify(expected),
      'per-instance counts',
    );
    expect(doc.totals).toMatchObject({ instances: 3, connections: 15 });
    // The documented document: exactly these keys, numbers as numbers.
    expect(Object.keys(doc).sort()).toEqual(['instances', 'redis', 'totals']);
    expect(Object.keys(doc.instances[0]!).sort()).toEqual(
      [
        'id',
        'bootId',
        'state',
        'host',
        'port',
        'pid',
        'uptimeSec',
        'connections',
        'rooms',
        'msgsInPerSec',
        'msgsOutPerSec',
        'rssBytes',
        'loopLagMs',
      ].sort(),
    );
    for (const i of doc.instances) {
      expect(i.state).toBe('ready');
      expect(i.pid).toBe(cluster.nodes.find((n) => n.id === i.id)!.pid);
      expect(i.bootId).toBe(cluster.nodes.find((n) => n.id === i.id)!.bootId);
      for (const k of ['port', 'pid', 'uptimeSec', 'rssBytes', 'loopLagMs'] as const) {
        expect(typeof i[k]).toBe('number');
      }
    }
    expect(doc.redis.ok).toBe(true);
    expect(typeof doc.redis.pingMs).toBe('number');
    expect(typeof doc.redis.usedMemoryBytes).toBe('number');
    expect(doc.redis.version).toMatch(/^\d+\.\d+/);
    console.log('status spread', spreadOf(doc), 'totals', doc.totals);

    // The human table says the same.
    const human = await runAdmin([...server(1), 'status'], TOKEN);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^chat-3\s+ready\s+\S+\s+\S+\s+8\s/m);
  });

  it('broadcast reaches every client on every instance, and says how many', async () => {
    const text = `maintenance at noon ${Date.now()}`;
    const receipts = clients.map((c) => noticeOf(c, text));
    const res = await adminJson<{ clients: number; instances: number }>(
      [...server(1), 'broadcast', text],
      TOKEN,
    );
    const got = await within(Promise.all(receipts), 10_000, `notice ${text}`);
    console.log(
      `broadcast: reported ${res.clients} clients on ${res.instances} instances, ${got.length} receipts`,
    );
    expect(got).toHaveLength(clients.length);
    expect(res).toEqual({ clients: clients.length, instances: 3 });
    // The instance that ran it logged the action, its target and its outcome.
    await cluster.nodes[1]!.log.wait(
      (l) =>
        l.action === 'broadcast' &&
        l.target === '*' &&
        l.outcome === `reached ${clients.length} clients on 3 instances`,
      5000,
    );
  });

  it('broadcast --room reaches only that room, and stays in its history', async () => {
    const members = [clients[0]!, clients[3]!, clients[9]!, clients[14]!]; // on all 3 instances
    for (const m of members) await m.join('ops');
    const others = clients.filter((c) => !members.includes(c));
    const stray: ChatMessage[] = [];
    const strayNotices: Notice[] = [];
    const offs = others.flatMap((c) => [
      c.on('message', (m) => stray.push(m)),
      c.on('notice', (n) => strayNotices.push(n)),
    ]);
    const text = `ops only ${Date.now()}`;
    const res = await runAdmin([...server(2), 'broadcast', text, '--room', 'ops'], TOKEN);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('reached 4 clients in room ops on 3 instances');
    for (const m of members) {
      await until(
        m,
        () => m.rooms.get('ops')!.messages.some((x) => x.text === text && x.kind === 'broadcast'),
        10_000,
        'room broadcast',
      );
    }
    // A later cluster-wide broadcast reaching everyone shows the room one did not leak.
    const fence = `fence ${Date.now()}`;
    const fenced = others.map((c) => noticeOf(c, fence));
    await adminJson([...server(0), 'broadcast', fence], TOKEN);
    await within(Promise.all(fenced), 10_000, `notice ${fence}`);
    offs.forEach((o) => o());
    expect(stray).toEqual([]);
    expect(new Set(strayNotices.map((n) => n.text))).toEqual(new Set([fence]));
    // It is in the room's history: a late joiner sees it.
    const { client: late } = await connectUser([cluster.nodes[1]!.url]);
    clients.push(late);
    const room = await late.join('ops');
    expect(room.messages.filter((m) => m.text === text)).toHaveLength(1);
    late.close();
    clients.pop();
  });

  it('broadcast --room to a room nobody joined answers not_found and creates nothing', async () => {
    const before = new Set(await cluster.redis.allKeys());
    const res = await runAdmin(
      [...server(1), 'broadcast', 'into the void', '--room', 'nosuch'],
      TOKEN,
    );
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('there is no room named nosuch');
    expect(res.stdout).toBe('');
    const made = (await cluster.redis.allKeys()).filter((k) => !before.has(k));
    expect(made.filter((k) => k.includes('nosuch'))).toEqual([]);
    const { rooms } = await adminJson<{ rooms: { name: string }[] }>(
      [...server(0), 'rooms'],
      TOKEN,
    );
    expect(rooms.map((r) => r.name)).not.toContain('nosuch');
  });

  it('answers an event it does not know with bad_request, as the chat namespace does', async () => {
    const s = io(`${cluster.nodes[0]!.url}${ADMIN_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
      forceNew: true,
    });
    try {
      for (const event of ['nonexistent', 'room:join']) {
        const res = await new Promise<Result<unknown>>((resolve, reject) =>
          s
            .timeout(5000)
            .emit(event as 'admin:status', {}, (err: Error | null, r: Result<unknown>) =>
              err ? reject(err) : resolve(r),
            ),
        );
        expect(res).toEqual({
          ok: false,
          error: { code: 'bad_request', message: `unknown event "${event}"` },
        });
      }
    } finally {
      s.close();
    }
  });

  it('rooms --json lists rooms with members', async () => {
    const { rooms } = await adminJson<{ rooms: { name: string; members: string[] }[] }>(
      [...server(0), 'rooms'],
      TOKEN,
    );
    const ops = rooms.find((r) => r.name === 'ops');
    expect(ops?.members).toHaveLength(4);
  });

  it('rooms prints one line per room and, with --directs, one per conversation', async () => {
    const [a, b] = [clients[1]!, clients[4]!];
    const peer = b.welcome!.user;
    for (const room of ['ops-b', 'ops-c']) {
      await a.join(room);
      await a.send(room, 'hello');
    }
    await a.join(`@${peer}`);
    await a.send(`@${peer}`, 'hi');
    await a.leave(`@${peer}`);
    const { rooms, directs } = await adminJson<{
      rooms: { name: string; memberCount: number; messages: number }[];
      directs: { count: number };
    }>([...server(0), 'rooms'], TOKEN);
    expect(rooms.length).toBeGreaterThanOrEqual(2);
    const r = await runAdmin([...server(0), 'rooms', '--directs'], TOKEN);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.at(-1)).toBe('');
    // A header, then one line per room, in the JSON's order, each with its own columns.
    expect(lines[0]).toMatch(/^ROOM +MEMBERS +MESSAGES +LAST ACTIVITY +WHO$/);
    rooms.forEach((room, i) => {
      expect(lines[1 + i]).toMatch(
        new RegExp(`^${room.name} +${room.memberCount} +${room.messages} +(\\S+ ago|never)( |$)`),
      );
    });
    let at = 1 + rooms.length;
    expect(lines[at++]).toBe('');
    expect(lines[at++]).toMatch(new RegExp(`^${directs.count} direct conversations?, `));
    expect(lines[at++]).toBe('');
    expect(lines[at++]).toMatch(/^BETWEEN +MESSAGES +LAST ACTIVITY$/);
    const between = [a.welcome!.user, peer].sort().join(' and ');
    const rows = lines.slice(at, -1);
    expect(rows).toHaveLength(directs.count);
    expect(rows.filter((l) => new RegExp(`^${between} +1 +\\S+ ago$`).test(l))).toHaveLength(1);
  });

  it("kick ends a user's sessions on every instance", async () => {
    const a = await connectUser([cluster.nodes[0]!.url]);
    const b = await connectUser([cluster.nodes[1]!.url], { user: a.user });
    const ended = [a.client, b.client].map((c) =>
      until(c, () => c.state.kind === 'ended', 10_000, 'session ended'),
    );
    const res = await adminJson<{ user: string; sockets: number }>(
      [...server(2), 'kick', a.user],
      TOKEN,
    );
    await Promise.all(ended);
    expect(res).toEqual({ user: a.user, sockets: 2 });
    for (const c of [a.client, b.client]) {
      expect(c.state).toMatchObject({ kind: 'ended', reason: 'kicked' });
      c.close();
    }
  });

  it('after SIGKILL of an instance, status drops it within 5 s and counts every client once they are back', async () => {
    const victim = cluster.nodes[2]!; // the one with 8 clients
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    // Timed over one admin connection: a CLI process per poll would time process start-up
    // on a busy machine, not the cluster.
    const dropMs = await apiDropTime(victim.id, killedAt);
    expect(dropMs).toBeLessThan(5000);
    const dropped = await statusUntil(
      (d) => !d.instances.some((i) => i.id === victim.id),
      'the killed instance to drop out',
    );
    expect(dropped.totals.instances).toBe(2);

    for (const c of clients) await until(c, () => c.connected, 20_000, 'reconnect');
    const spread = actualSpread();
    expect(spread['chat-3']).toBeUndefined();
    const doc = await statusUntil(
      (d) => JSON.stringify(spreadOf(d)) === JSON.stringify(spread),
      'counts after the moves',
    );
    expect(doc.totals.connections).toBe(clients.length);
    console.log(
      `SIGKILL ${victim.id}: dropped from status after ${dropMs} ms; spread now ${JSON.stringify(spread)}, total ${doc.totals.connections}/${clients.length}`,
    );
  });

  it('restart of an unknown instance exits 1 and names the live ones', async () => {
    const r = await runAdmin([...server(1), 'restart', 'chat-9'], TOKEN);
    expect(r.code).toBe(1);
    // Checked before anything starts: the error is all it says.
    expect(r).toMatchObject({
      stdout: '',
      stderr: 'chat-admin: no live instance chat-9 (live: chat-1, chat-2)\n',
    });
    // One unknown among live ones: none of them is restarted.
    const mixed = await runAdmin([...server(1), 'restart', 'chat-1', 'chat-9', '--force'], TOKEN);
    expect(mixed).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'chat-admin: no live instance chat-9 (live: chat-1, chat-2)\n',
    });
    const refused = await runAdmin([...server(1), 'restart', 'chat-1', '--token', 'nope'], TOKEN);
    expect(refused.code).toBe(1);
    await cluster.nodes[1]!.log.wait(
      (l) => l.action === 'admin:connect' && l.outcome === 'unauthorized',
    );
  });

  it('exits 1 when a replacement does not come back in time', async () => {
    // These instances have no supervisor: a drained one stays gone.
    const r = await runAdmin([...server(1), 'restart', 'chat-1', '--timeout', '4s'], TOKEN);
    expect(r.stderr).toMatch(/chat-1: draining/);
    expect(r.stderr).toMatch(/chat-1 did not come back within 4 s/);
    expect(r.code).toBe(1);
  });

  it('exits 3 with a clear line when Redis is unreachable', async () => {
    await cluster.redis.down();
    try {
      const r = await runAdmin([...server(1), 'status'], TOKEN);
      expect(r.code).toBe(3);
      // What the answering instance knows is still shown; stderr says what is not.
      expect(r.stdout).toMatch(/^chat-2\s+ready/m);
      expect(r.stdout).toMatch(/redis\s+UNREACHABLE/);
      expect(r.stderr).toMatch(/warning: instance status lives in Redis/);
      expect(r.stderr).toMatch(/^chat-admin: Redis is unreachable from chat-2/m);
      const rooms = await runAdmin([...server(1), 'rooms'], TOKEN);
      expect(rooms.code).toBe(3);
      expect(rooms.stderr).toMatch(/^chat-admin: Redis is unreachable from chat-2/m);
      console.log(`Redis down: ${r.stderr.trim()}`);
    } finally {
      await cluster.redis.up();
    }
  });
});
