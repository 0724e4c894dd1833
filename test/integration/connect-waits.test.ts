import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_TIMED_OUT, TCP_TIMED_OUT, WireSocket } from '../../src/admin/loadtest/wire.js';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { TCP_TIMEOUT_MS } from '../../src/client/delivery/backoff.js';
import type { ConnectionState } from '../../src/client/types.js';
import { userName, useCluster } from '../helpers/cluster.js';

/**
 * A connection attempt's two waits (`Reconnects.tcpTimeoutMs` and `openTimeoutMs`): a
 * host that does not answer at all is left after the short wait for the TCP connection, and
 * a server that is up but busy (its process stopped here: a busy event loop, only longer) is
 * waited for, since the kernel completes its TCP connections for it. Under a herd, an attempt
 * that stopped waiting for a busy survivor is not work saved: the survivor still serves its
 * upgrade when it gets to it, and the retry queues again behind the rest.
 */
const fixture = useCluster(1, {}, 'single');

/**
 * A host that does not answer: a listener whose process is stopped, with its accept queue
 * (backlog 1) already full, so the kernel drops every further SYN as it would be lost on a
 * partition (and TCP retransmits it, unanswered, for minutes).
 */
let blackHole: { child: ChildProcess; port: number; fillers: net.Socket[] };

beforeAll(async () => {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number.parseInt(d.toString(), 10)));
    child.once('exit', (code) => reject(new Error(`the listener exited (${code})`)));
  });
  process.kill(child.pid!, 'SIGSTOP');
  const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1'));
  for (const f of fillers) f.on('error', () => undefined);
  blackHole = { child, port, fillers };
  // The queue is full once one more connection cannot complete.
  expect(await completes(port, 1000)).toBe(false);
});

afterAll(() => {
  for (const f of blackHole?.fillers ?? []) f.destroy();
  if (blackHole?.child.pid) process.kill(blackHole.child.pid, 'SIGKILL');
});

/** Whether a TCP connection to the port completes within `ms`. */
function completes(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A logged-in client of the TUI's kind for `servers`, recording its states. */
async function client(
  servers: string[],
): Promise<{ client: ChatClient; states: ConnectionState[] }> {
  const { token } = await login(fixture.nodes[0]!.url, userName('wait'), 'password-1');
  const c = new ChatClient({ servers, token, pingEveryMs: 0 });
  fixture.clients.push(c);
  const states: ConnectionState[] = [];
  c.on('state', (s) => states.push(s));
  return { client: c, states };
}

const reasons = (states: ConnectionState[]): string[] =>
  states.flatMap((s) => (s.kind === 'reconnecting' ? [s.reason] : []));

describe("chat-tui's client", () => {
  it('leaves a host that does not answer after the wait for TCP, for the next server', async () => {
    const node = fixture.nodes[0]!;
    const { client: c, states } = await client([`http://127.0.0.1:${blackHole.port}`, node.url]);
    const welcome = await c.connect();
    expect(welcome.instanceId).toBe(node.id);
    // The attempt on the black hole ran out of its TCP wait, not of the open's (20 s); the
    // next attempt goes to the other server, which the reason names.
    expect(reasons(states)).toEqual([
      `timeout (no TCP connection in ${TCP_TIMEOUT_MS / 1000} s); trying ${new URL(node.url).host} next`,
    ]);
  });

  it('waits for a server that is up but busy past the wait for TCP, and is served by it', async () => {
    const node = fixture.nodes[0]!;
    const { client: c, states } = await client([node.url]);
    process.kill(node.pid, 'SIGSTOP');
    let welcomed: Promise<unknown>;
    try {
      welcomed = c.connect();
      // Stopped longer than the TCP wait: a client that gave up on it then would retry.
      await sleep(TCP_TIMEOUT_MS + 2000);
    } finally {
      process.kill(node.pid, 'SIGCONT');
    }
    await welcomed;
    expect(reasons(states)).toEqual([]);
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'connected']);
  });
});

describe("the load tester's wire socket", () => {
  /** Runs one socket with short waits, checked as its worker does; the reason it failed. */
  async function failure(server: string, connectMs: number, openMs: number): Promise<string> {
    let sweep: NodeJS.Timeout | undefined;
    const reason = new Promise<string>((resolve) => {
      const sock = new WireSocket(
        server,
        { token: 'not-used' },
        {
          connected: () => resolve('connected'),
          refused: (message) => resolve(`refused: ${message}`),
          event: () => undefined,
          closed: resolve,
        },
        connectMs,
        openMs,
      );
      sweep = setInterval(() => sock.check(Date.now()), 50);
    });
    try {
      return await reason;
    } finally {
      clearInterval(sweep);
    }
  }

  it('gives up on a host that does not answer after the wait for TCP', async () => {
    expect(await failure(`http://127.0.0.1:${blackHole.port}`, 300, 10_000)).toBe(TCP_TIMED_OUT);
  });

  it('gives a host that answers TCP but not the upgrade the wait for the open', async () => {
    // Accepts and never answers, as a server whose event loop has not got to the upgrade.
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const { port } = mute.address() as net.AddressInfo;
    try {
      const t0 = Date.now();
      expect(await failure(`http://127.0.0.1:${port}`, 300, 2000)).toBe(OPEN_TIMED_OUT);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
      expect(held.length).toBe(1);
    } finally {
      for (const s of held) s.destroy();
      mute.close();
    }
  });
});
