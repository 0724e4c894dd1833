import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { readInstances } from '../../src/server/ops/status.js';
import { TestInstance, until, type TestStore } from '../helpers/cluster.js';
import { ROOT, exited, freePort } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

/**
 * A 3-instance cluster on its own Redis whose instances come back when they exit, the way
 * the local supervisor or Docker's restart policy brings them back.
 */
export class ChaosCluster<S extends TestStore = TestRedis> {
  nodes: TestInstance[] = [];
  private stopping = false;
  restarts = 0;

  private constructor(
    readonly redis: S,
    private readonly env: Record<string, string>,
  ) {}

  static async start(n: number, env: Record<string, string> = {}): Promise<ChaosCluster> {
    return ChaosCluster.on(await TestRedis.start(), n, env);
  }

  /** The same on a store of the caller's (e.g. a Redis Cluster with replicas). */
  static async on<T extends TestStore>(
    store: T,
    n: number,
    env: Record<string, string> = {},
  ): Promise<ChaosCluster<T>> {
    const c = new ChaosCluster(store, env);
    c.nodes = await Promise.all(
      Array.from({ length: n }, async (_, i) =>
        new TestInstance(`chat-${i + 1}`, await freePort(), {
          ...c.redis.env(),
          ...env,
        }).start(),
      ),
    );
    for (const node of c.nodes) c.supervise(node);
    return c;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Restarts a node whenever it exits, until `stop()`. */
  private supervise(node: TestInstance): void {
    void exited(node.proc).then(async () => {
      if (this.stopping) return;
      this.restarts++;
      await node.start();
      this.supervise(node);
    });
  }

  /** Resolves when `node` is back up with a boot id other than `oldBoot`. */
  async replaced(node: TestInstance, oldBoot: string): Promise<void> {
    await node.log.wait((l) => l.msg === 'instance ready' && l.bootId !== oldBoot, 30_000);
  }

  async maxRssBytes(): Promise<number> {
    const r = this.redis.client();
    try {
      const list = await readInstances(r, makeKeys('chat:'));
      return Math.max(0, ...list.map((s) => s.rssBytes));
    } finally {
      r.disconnect();
    }
  }

  stop(): void {
    this.stopping = true;
  }
}

export interface LoadOptions {
  clients: number;
  rooms: number;
  /** Messages per second, over all clients. */
  ratePerSec: number;
  /** Distinct accounts the clients log in as (many sockets may share one session). */
  users?: number;
  roomPrefix: string;
}

interface Vu {
  client: ChatClient;
  room: string;
  deliveries: Map<string, number>;
  /** `room id` of every send acknowledged (stored), as the client heard it. */
  acked: Set<string>;
  reconnectStartedAt: number | undefined;
}

export interface Verdict {
  clients: number;
  messages: number;
  lost: number;
  duplicated: number;
  /** Clients whose list differs from the history in content or order. */
  misordered: number;
  /**
   * Messages clients hold that the history no longer has (delivered, then lost by Redis:
   * a failover to a replica that had not received them).
   */
  phantom: number;
  /** Sends acknowledged as stored whose id the history does not have. */
  ackedLost: number;
  /** Messages delivered to a client more than once on the wire (dropped by the client). */
  redelivered: number;
  reconnects: number;
  reconnectP50Ms: number;
  reconnectP99Ms: number;
  reconnectMaxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Chatting clients spread over the cluster and the invariant every scenario checks: for every
 * room, every client's message ids equal the room's history, in order, none twice.
 */
export class ChatLoad {
  readonly vus: Vu[] = [];
  readonly reconnectMs: number[] = [];
  /** From a send to its ack (retries included), per acknowledged send. */
  readonly ackMs: number[] = [];
  /** Sends that failed at least once (and were retried). */
  failedSends = 0;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(
    /** Where clients connect (in failover order) and the Redis holding the history. */
    private readonly cluster: { urls: string[]; redis: Pick<TestStore, 'client'> },
    private readonly opts: LoadOptions,
  ) {}

  roomName(i: number): string {
    return `${this.opts.roomPrefix}-${i % this.opts.rooms}`;
  }

  async connect(): Promise<void> {
    const urls = this.cluster.urls;
    const users = this.opts.users ?? this.opts.clients;
    const tokens: string[] = [];
    for (let u = 0; u < users; u++) {
      tokens.push(
        (await login(urls[u % urls.length]!, `${this.opts.roomPrefix}-u${u}`, 'password-1')).token,
      );
    }
    const batch = 100;
    for (let start = 0; start < this.opts.clients; start += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, this.opts.clients - start) }, async (_, k) => {
          const i = start + k;
          // Each client starts on a different instance and fails over to the next ones.
          const servers = urls.map((_, j) => urls[(i + j) % urls.length]!);
          // The invariant compares whole histories: keep all of them in memory.
          const client = new ChatClient({
            servers,
            token: tokens[i % users]!,
            pingEveryMs: 0,
            roomWindow: 1_000_000,
          });
          const vu: Vu = {
            client,
            room: this.roomName(i),
            deliveries: new Map(),
            acked: new Set(),
            reconnectStartedAt: undefined,
          };
          client.on('state', (s) => {
            if (s.kind === 'reconnecting' && vu.reconnectStartedAt === undefined)
              vu.reconnectStartedAt = performance.now();
            if (s.kind === 'connected' && vu.reconnectStartedAt !== undefined) {
              this.reconnectMs.push(performance.now() - vu.reconnectStartedAt);
              vu.reconnectStartedAt = undefined;
            }
          });
          client.on('message', (m) => vu.deliveries.set(m.id, (vu.deliveries.get(m.id) ?? 0) + 1));
          client.on('outgoing', (o) => {
            if (o.state === 'sent') {
              this.ackMs.push(Date.now() - o.createdAt);
              if (o.id) vu.acked.add(`${o.room} ${o.id}`);
            } else if (o.state === 'failed') this.failedSends++;
          });
          await client.connect();
          await client.join(vu.room);
          this.vus.push(vu);
        }),
      );
    }
  }

  /** Starts sending at the configured rate from random clients, at most `maxMessages`. */
  start(maxMessages = 100_000): void {
    const every = 1000 / this.opts.ratePerSec;
    const perTick = Math.max(1, Math.round(10 / every));
    this.timer = setInterval(
      () => {
        for (let k = 0; k < perTick && this.sent < maxMessages; k++) {
          const vu = this.vus[Math.floor(Math.random() * this.vus.length)]!;
          void vu.client.send(vu.room, `msg ${this.sent++} from vu`);
        }
      },
      Math.max(10, every * perTick),
    );
  }

  /** Stops sending and waits until every send is stored and every client has caught up. */
  async stop(timeoutMs = 60_000): Promise<void> {
    clearInterval(this.timer);
    for (const vu of this.vus) {
      await until(
        vu.client,
        () =>
          vu.client.connected &&
          [...vu.client.outgoing.values()].every(
            (o) => o.state === 'sent' || o.state === 'rejected',
          ),
        timeoutMs,
        'all sends acknowledged',
      );
    }
  }

  /** Compares every client with its room's history in Redis. */
  async verify(timeoutMs = 30_000): Promise<Verdict> {
    const r = this.cluster.redis.client();
    const history = new Map<string, string[]>();
    for (let i = 0; i < this.opts.rooms; i++) {
      const room = this.roomName(i);
      const entries = (await r.xrange(`chat:room:{${room}}:log`, '-', '+')) as [string, string[]][];
      history.set(
        room,
        entries.map(([id]) => id),
      );
    }
    r.disconnect();
    let lost = 0;
    let duplicated = 0;
    let redelivered = 0;
    let misordered = 0;
    let phantom = 0;
    const acked = new Set<string>();
    for (const vu of this.vus) {
      const want = history.get(vu.room)!;
      const state = () => vu.client.rooms.get(vu.room)!;
      await until(
        vu.client,
        () => state().messages.length >= want.length,
        timeoutMs,
        `client caught up in ${vu.room}`,
      ).catch(() => undefined);
      await vu.client.settled();
      const got = state().messages.map((m) => m.id);
      const gotSet = new Set(got);
      lost += want.filter((id) => !gotSet.has(id)).length;
      duplicated += got.length - gotSet.size;
      if (got.join() !== want.join()) misordered++;
      const kept = new Set(want);
      phantom += got.filter((id) => !kept.has(id)).length;
      for (const key of vu.acked) acked.add(key);
      for (const n of vu.deliveries.values()) if (n > 1) redelivered += n - 1;
    }
    let ackedLost = 0;
    for (const key of acked) {
      const [room, id] = key.split(' ') as [string, string];
      if (!history.get(room)?.includes(id)) ackedLost++;
    }
    const sorted = [...this.reconnectMs].sort((a, b) => a - b);
    return {
      clients: this.vus.length,
      messages: [...history.values()].reduce((a, ids) => a + ids.length, 0),
      lost,
      duplicated,
      misordered,
      phantom,
      ackedLost,
      redelivered,
      reconnects: sorted.length,
      reconnectP50Ms: Math.round(percentile(sorted, 50)),
      reconnectP99Ms: Math.round(percentile(sorted, 99)),
      reconnectMaxMs: Math.round(sorted[sorted.length - 1] ?? 0),
    };
  }

  close(): void {
    clearInterval(this.timer);
    for (const vu of this.vus) vu.client.close();
  }
}

export interface ScenarioRow {
  id: number;
  scenario: string;
  expected: string;
  figures: Record<string, string | number | boolean>;
  command: string;
}

/** Records a scenario's measured figures for RELIABILITY.md (scripts/reliability-report.mjs). */
export function record(row: ScenarioRow): void {
  const dir = path.join(ROOT, 'test/chaos/.results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${String(row.id).padStart(2, '0')}.json`),
    `${JSON.stringify(row, null, 2)}\n`,
  );
  console.log(`[chaos ${row.id}] ${row.scenario}: ${JSON.stringify(row.figures)}`);
}
