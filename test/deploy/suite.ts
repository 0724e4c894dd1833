import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import {
  TEST_ENV,
  TestInstance,
  connectUser,
  until,
  type TestInstance as Instance,
} from '../helpers/cluster.js';
import { ROOT, exited, freePort, killAll, tmpDir, track } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { needs } from '../helpers/tools.js';
import { Balancer, INSTANCE_IDS, type AccessEntry, type BalancerKind } from './balancer.js';

const ADMIN_MAIN = path.join(ROOT, 'dist/admin/main.js');

type Transport = 'websocket' | 'polling';

const ids = (c: ChatClient, room: string): string[] =>
  c.rooms.get(room)?.messages.map((m) => m.id) ?? [];
const texts = (c: ChatClient, room: string): string[] =>
  c.rooms.get(room)?.messages.map((m) => m.text) ?? [];
/** Each message once (order across a failed-then-retried send is by arrival, not by send). */
const sortedTexts = (c: ChatClient, room: string): string[] => [...texts(c, room)].sort();
const unsent = (c: ChatClient): number =>
  [...c.outgoing.values()].filter((o) => o.state !== 'sent').length;

/**
 * The test is the supervisor (what docker's `restart: unless-stopped` does): an instance
 * that exits 0 after a drain is started again on the same port with the same id.
 */
class Supervisor {
  restarts = 0;
  private stopped = false;

  watch(node: Instance): void {
    const proc = node.proc;
    proc.once('exit', (code) => {
      if (this.stopped || code !== 0) return;
      this.restarts++;
      node.start().then(
        () => this.watch(node),
        (err: unknown) => console.error(`restart of ${node.id} failed`, err),
      );
    });
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * Everything issue 6 asks of a balancer, through a real nginx or HAProxy running the repo's
 * config: chat across instances over WebSocket and over long-polling, failover after a
 * SIGKILL, and `chat-admin restart --rolling` with nothing lost.
 */
export function balancerSuite(kind: BalancerKind): void {
  let redis: TestRedis;
  let nodes: Instance[];
  let lb: Balancer;
  const supervisor = new Supervisor();
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    nodes = await Promise.all(
      INSTANCE_IDS.map(async (id) =>
        new TestInstance(id, await freePort(), {
          REDIS_URL: redis.url,
          CHAT_TRUST_PROXY: '1',
        }).start(),
      ),
    );
    for (const n of nodes) supervisor.watch(n);
    lb = await Balancer.start(
      kind,
      nodes.map((n) => n.port),
    );
  });

  afterAll(async () => {
    supervisor.stop();
    for (const c of clients) c.close();
    await lb?.stop();
    await killAll();
  });

  async function user(transports: Transport[]): Promise<ChatClient> {
    const { client } = await connectUser([lb.url], {
      transports,
      backoffMinMs: 100,
      backoffMaxMs: 1000,
    });
    clients.push(client);
    return client;
  }

  /** At least `n` users connected through the balancer, more until every instance has one. */
  async function spread(n: number, transports: Transport[]): Promise<ChatClient[]> {
    const out: ChatClient[] = [];
    while (out.length < n || (onInstance(out).size < nodes.length && out.length < 4 * n)) {
      out.push(await user(transports));
    }
    return out;
  }

  const onInstance = (cs: ChatClient[]): Set<string> =>
    new Set(cs.map((c) => c.welcome?.instanceId ?? '?'));

  const socketIo = (from: number): AccessEntry[] =>
    lb.access.slice(from).filter((e) => e.uri.startsWith('/socket.io/'));

  /** Whether each request carrying a sid reached the instance the sid names. */
  function misrouted(entries: AccessEntry[]): AccessEntry[] {
    return entries.filter((e) => {
      const want = Balancer.sidInstance(e.uri);
      if (!want) return false;
      const node = nodes.find((n) => n.id === want);
      if (!node) return true;
      return kind === 'nginx'
        ? e.upstream !== `127.0.0.1:${node.port}`
        : e.upstream !== `chat/${node.id}`;
    });
  }

  /**
   * Waits until every send of `sender` is acknowledged and every member holds the `n`
   * messages `<prefix>0..`, then checks each has each once, in the sender's order.
   */
  async function everyoneGotAll(
    sender: ChatClient,
    members: ChatClient[],
    room: string,
    prefix: string,
    n: number,
  ): Promise<void> {
    await until(sender, () => unsent(sender) === 0, 20_000, 'every send acknowledged');
    const want = Array.from({ length: n }, (_, i) => `${prefix}${i}`).sort();
    for (const c of members) {
      await until(c, () => ids(c, room).length === n, 20_000, `${n} messages`);
      await c.settled();
    }
    for (const c of members) {
      expect(sortedTexts(c, room)).toEqual(want);
      expect(ids(c, room)).toEqual(ids(sender, room));
    }
  }

  async function chatAcross(transports: Transport[], room: string): Promise<void> {
    const from = lb.access.length;
    const members = await spread(6, transports);
    expect([...onInstance(members)].sort()).toEqual([...INSTANCE_IDS]);
    for (const c of members) await c.join(room);
    const senders = members.slice(0, 3);
    const sent = await Promise.all(
      Array.from({ length: 45 }, (_, i) => senders[i % 3]!.send(room, `${room} ${i}`)),
    );
    expect(sent.filter((o) => o.state !== 'sent')).toEqual([]);
    for (const c of members) {
      await until(c, () => ids(c, room).length === 45, 15_000, `45 messages in ${room}`);
    }
    const reference = ids(members[0]!, room);
    expect(new Set(reference).size).toBe(45);
    for (const c of members) expect(ids(c, room)).toEqual(reference);

    const seen = socketIo(from);
    const polled = seen.filter((e) => e.uri.includes('transport=polling'));
    if (transports.includes('polling')) {
      // Stickiness: every request of a session went to the instance that holds it.
      expect(polled.filter((e) => e.uri.includes('sid=')).length).toBeGreaterThan(20);
      expect(misrouted(polled)).toEqual([]);
    }
    // No "Session ID unknown" (400) nor any other failed request.
    expect(seen.filter((e) => e.status >= 400).map((e) => e.line)).toEqual([]);
    console.info(
      `[${kind}] ${transports.join('+')}: ${members.length} clients on ` +
        `${[...onInstance(members)].sort().join(',')}, 45 messages each in one order; ` +
        `${polled.length} polling requests logged, ${misrouted(polled).length} misrouted, ` +
        `${seen.filter((e) => e.status >= 400).length} with status >= 400`,
    );
  }

  describe(
    `${kind} from Debian with deploy/${kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'}`,
    needs(kind),
    () => {
      it('carries chat across instances over WebSocket', async () => {
        await chatAcross(['websocket'], `${kind}-ws`);
      });

      it('carries chat across instances over long-polling (sticky by session id)', async () => {
        await chatAcross(['polling'], `${kind}-poll`);
      });

      it('fails over when an instance is SIGKILLed: clients reconnect through it, nothing lost', async () => {
        const room = `${kind}-kill`;
        const ws = await spread(3, ['websocket']);
        const polling = await spread(3, ['polling']);
        const members = [...ws, ...polling];
        for (const c of members) await c.join(room);
        const victimId = members[0]!.welcome!.instanceId;
        const victims = members.filter((c) => c.welcome?.instanceId === victimId);
        const survivors = members.filter((c) => c.welcome?.instanceId !== victimId);
        // The victim instance holds clients of both transports.
        expect(victims.filter((c) => ws.includes(c)).length).toBeGreaterThanOrEqual(1);
        expect(victims.filter((c) => polling.includes(c)).length).toBeGreaterThanOrEqual(1);
        const sender = survivors[0]!;
        const node = nodes.find((n) => n.id === victimId)!;

        let killed = false;
        try {
          const total = 120;
          for (let i = 0; i < total; i++) {
            const s = sender.send(room, `k${i}`);
            if (i === 40) {
              await s;
              await node.kill('SIGKILL');
              killed = true;
              // Failover for plain requests too: the balancer tries the next instance.
              const statuses: number[] = [];
              for (let j = 0; j < 6; j++) {
                const res = await fetch(`${lb.url}/healthz`);
                await res.arrayBuffer();
                statuses.push(res.status);
              }
              expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
            }
            if (i % 10 === 9) await s;
          }
          await everyoneGotAll(sender, members, room, 'k', total);
          for (const v of victims) {
            expect(v.reconnects).toBeGreaterThanOrEqual(1);
            expect(v.welcome?.instanceId).not.toBe(victimId);
          }
          console.info(
            `[${kind}] SIGKILL ${victimId}: ${victims.length} of ${members.length} clients moved ` +
              `to ${[...onInstance(victims)].join(',')}; ${total} messages each, once, no gaps`,
          );
        } finally {
          // Bring it back for what follows, also when this test failed (a SIGKILL is not a
          // drain: no restart by itself).
          if (killed) {
            await node.start();
            supervisor.watch(node);
            // Until the balancer sees it again (HAProxy: health checks), new clients skip it.
            await lb.waitHealthy(10_000);
          }
        }
      });

      it('`chat-admin restart --rolling` through the balancer loses nothing', async () => {
        const room = `${kind}-rolling`;
        const members = [...(await spread(3, ['websocket'])), ...(await spread(3, ['polling']))];
        for (const c of members) await c.join(room);
        const sender = members[0]!;
        const boots = new Map(nodes.map((n) => [n.id, n.bootId]));
        const restartsBefore = supervisor.restarts;

        const admin = track(
          spawn(
            process.execPath,
            [
              ADMIN_MAIN,
              'restart',
              '--rolling',
              '--json',
              '--timeout',
              '30s',
              '--server',
              lb.url,
              '--token',
              TEST_ENV.CHAT_ADMIN_TOKEN!,
            ],
            {
              env: { ...process.env, CHAT_ADMIN_CONFIG_DIR: tmpDir('admin') },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          ),
        );
        let out = '';
        let err = '';
        admin.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        admin.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        const finished = exited(admin);

        // Keep talking while the instances restart one by one.
        let n = 0;
        let running = true;
        void finished.then(() => (running = false));
        while (running && n < 1500) {
          await sender.send(room, `r${n++}`);
          await new Promise((r) => setTimeout(r, 25));
        }
        const { code } = await finished;
        expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
        const report = JSON.parse(out) as {
          restarted: { instanceId: string; newBootId: string; tookMs: number }[];
        };
        expect(report.restarted.map((r) => r.instanceId).sort(), `${out}\n${err}`).toEqual([
          ...INSTANCE_IDS,
        ]);
        expect(supervisor.restarts - restartsBefore).toBe(3);
        for (const node of nodes) expect(node.bootId).not.toBe(boots.get(node.id));

        await everyoneGotAll(sender, members, room, 'r', n);
        for (const c of members) {
          expect(c.connected).toBe(true);
        }
        expect(n).toBeGreaterThan(20);
        console.info(
          `[${kind}] rolling restart: ${report.restarted.length} instances in ${report.restarted
            .map((r) => `${r.instanceId} ${(r.tookMs / 1000).toFixed(1)}s`)
            .join(
              ', ',
            )}; ${n} messages sent meanwhile, all ${members.length} clients got all of them`,
        );
      });
    },
  );
}
