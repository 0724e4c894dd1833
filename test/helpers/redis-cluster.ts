import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { waitForRedis } from '../../src/server/local-cluster/private-redis.js';
import { freePort, killAndWait, tmpDir, track } from './processes.js';
import { isOwnServer, scanAll } from './redis.js';
import { eventually } from './eventually.js';

const run = promisify(execFile);

/** One node of a test cluster: its client port, bus port and process. */
interface Node {
  port: number;
  busPort: number;
  dir: string;
  proc: ChildProcess | undefined;
}

/**
 * A Redis Cluster of a test's own: `masters` masters (and `replicas` replicas per master),
 * each a `redis-server --cluster-enabled yes` on free loopback ports (bus ports chosen too,
 * so nothing assumes port+10000 is free), joined with `redis-cli --cluster create`, stopped
 * by PID. A short node timeout makes failover take seconds, not the default 15.
 */
export class TestRedisCluster {
  readonly kind = 'cluster' as const;

  private constructor(
    private readonly all: Node[],
    private readonly nodeTimeoutMs: number,
  ) {}

  static async start(
    opts: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
  ): Promise<TestRedisCluster> {
    const masters = opts.masters ?? 3;
    const replicas = opts.replicas ?? 0;
    const count = masters * (1 + replicas);
    const nodes: Node[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push({
        port: await freePort(),
        busPort: await freePort(),
        dir: tmpDir(`rc${i}`),
        proc: undefined,
      });
    }
    const c = new TestRedisCluster(nodes, opts.nodeTimeoutMs ?? 2000);
    await Promise.all(nodes.map((n) => c.startNode(n, true)));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    await c.waitHealthy(30_000);
    return c;
  }

  /**
   * Starts a node on its ports. A free port is free only when it was looked at: another
   * program may bind it before redis-server does, which then exits at once. So an exit before
   * the node answers is not waited out: on the first start the node gets new ports and starts
   * again (three tries); a restart keeps its ports (the layout in nodes.conf names them),
   * which `freePort` takes below the kernel's ephemeral range so that no outgoing connection
   * made while the node was down holds one, and says why it failed. Nor is an answer from
   * another redis-server that took the port taken for this node's.
   */
  private async startNode(n: Node, first: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const proc = this.spawnNode(n);
      const exited = new Promise<never>((_, reject) =>
        proc.once('exit', (code) =>
          reject(new Error(`redis-server on port ${n.port} exited (${code}) before answering`)),
        ),
      );
      try {
        await Promise.race([waitForRedis(`redis://127.0.0.1:${n.port}`, 10_000), exited]);
        exited.catch(() => undefined); // a later exit is the test's to see, not this start's
        if (await isOwnServer(n.port, proc.pid)) return;
        // Another redis-server answered: this one could not bind the port. Tried again below.
        await killAndWait(proc, 'SIGKILL');
        throw new Error(`port ${n.port} answers as another redis-server: it was taken`);
      } catch (err) {
        exited.catch(() => undefined);
        if (proc.exitCode === null && proc.signalCode === null) throw err;
        if (!first || attempt >= 3) throw err;
        n.port = await freePort();
        n.busPort = await freePort();
      }
    }
  }

  private spawnNode(n: Node): ChildProcess {
    const nodeTimeoutMs = this.nodeTimeoutMs;
    n.proc = track(
      spawn(
        'redis-server',
        [
          '--port',
          String(n.port),
          '--cluster-port',
          String(n.busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(nodeTimeoutMs),
          '--dir',
          n.dir,
          '--appendonly',
          'no',
          '--save',
          '',
          // Replicas sync at once (Redis 7 waits 5 s by default to batch diskless syncs).
          '--repl-diskless-sync-delay',
          '0',
        ],
        { stdio: 'ignore' },
      ),
    );
    return n.proc;
  }

  /** `host:port,...` of every node, as REDIS_CLUSTER_NODES takes it. */
  get nodeList(): string {
    return this.all.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  env(): Record<string, string> {
    return { REDIS_CLUSTER_NODES: this.nodeList };
  }

  client(): Cluster {
    return new Cluster(
      this.all.map((n) => ({ host: '127.0.0.1', port: n.port })),
      { redisOptions: { maxRetriesPerRequest: 1 }, scaleReads: 'master' },
    );
  }

  /** The node serving `port` as a plain client (for CLUSTER commands). */
  private node(port: number): Redis {
    return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: false });
  }

  /** Ports of the nodes that are masters now (asked of a live node). */
  async masterPorts(): Promise<number[]> {
    const live = this.all.find((n) => n.proc);
    if (!live) return [];
    const r = this.node(live.port);
    try {
      const text = (await r.call('CLUSTER', 'NODES')) as string;
      return text
        .split('\n')
        .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l))
        .map((l) => Number(/:(\d+)@/.exec(l)?.[1]));
    } finally {
      r.disconnect();
    }
  }

  /** The port of the master that holds `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const live = this.all.find((n) => n.proc)!;
    const r = this.node(live.port);
    try {
      const slot = (await r.call('CLUSTER', 'KEYSLOT', key)) as number;
      const shards = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const hit = shards.find(([lo, hi]) => slot >= lo && slot <= hi);
      if (!hit) throw new Error(`no master serves slot ${slot}`);
      return Number(hit[2][1]);
    } finally {
      r.disconnect();
    }
  }

  /** The pid of the master that holds `key`'s slot (to stop it, say). */
  async pidOf(key: string): Promise<number> {
    const port = await this.masterOf(key);
    const pid = this.all.find((n) => n.port === port)?.proc?.pid;
    if (pid === undefined) throw new Error(`no running node on ${port}`);
    return pid;
  }

  /** SIGKILLs the node on `port` (a master: its replica is promoted after the node timeout). */
  async kill(port: number): Promise<void> {
    const n = this.all.find((x) => x.port === port);
    if (!n?.proc) throw new Error(`no running node on ${port}`);
    await killAndWait(n.proc, 'SIGKILL');
    n.proc = undefined;
  }

  /** Resolves when every live node says the cluster is ok and each master has its replicas. */
  async waitHealthy(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    // Cluster state has no event to await from outside: poll it.
    await eventually(
      async () => {
        const states = await Promise.all(
          this.all
            .filter((n) => n.proc)
            .map(async (n) => {
              const r = this.node(n.port);
              try {
                const info = (await r.call('CLUSTER', 'INFO')) as string;
                if (!/cluster_state:ok/.test(info)) return false;
                // A master's replicas must be in sync, or a failover would lose everything.
                const repl = await r.info('replication');
                if (!/^role:master/m.test(repl)) return true;
                const replicas = [...repl.matchAll(/^slave\d+:.*state=(\w+)/gm)].map((m) => m[1]);
                return replicas.every((s) => s === 'online');
              } catch {
                return false;
              } finally {
                r.disconnect();
              }
            }),
        );
        if (!states.every(Boolean)) throw new Error('a node is not ok or a replica not in sync');
      },
      { what: 'the Redis Cluster healthy', timeoutMs },
    );
    return Date.now() - t0;
  }

  /** How many keys the cluster holds: DBSIZE summed over the masters. */
  async keyCount(): Promise<number> {
    let n = 0;
    for (const port of await this.masterPorts()) {
      const r = this.node(port);
      try {
        n += await r.dbsize();
      } finally {
        r.disconnect();
      }
    }
    return n;
  }

  /** Every key's name: a full SCAN of each master (tests only). */
  async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (const port of await this.masterPorts()) {
      const r = this.node(port);
      try {
        keys.push(...(await scanAll(r)));
      } finally {
        r.disconnect();
      }
    }
    return keys;
  }

  /** FLUSHALL on every master: what an operator's mistake does to the whole data set. */
  async flushAll(): Promise<void> {
    for (const port of await this.masterPorts()) {
      const r = this.node(port);
      try {
        await r.flushall();
      } finally {
        r.disconnect();
      }
    }
  }

  /** Stops every node the hard way (SIGKILL): the whole Redis Cluster is away. */
  async down(): Promise<void> {
    await this.stop();
  }

  /** Starts every stopped node again (same ports; the cluster layout is in nodes.conf). */
  async up(): Promise<void> {
    await Promise.all(this.all.filter((n) => !n.proc).map((n) => this.startNode(n, false)));
    await this.waitHealthy(30_000);
  }

  async stop(): Promise<void> {
    for (const n of this.all) if (n.proc) await killAndWait(n.proc, 'SIGKILL');
    for (const n of this.all) n.proc = undefined;
  }
}
