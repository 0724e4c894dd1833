import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readyzUntil, useCluster } from '../helpers/cluster.js';

/**
 * The instance's accept queue, against the kernel: while its process is stopped (as a busy
 * event loop would be, only longer), a burst of connections larger than Node's default queue
 * (511) must still be taken by the kernel, not dropped to wait for TCP retransmits.
 */
const fixture = useCluster(1, {}, 'single');

/** Linux's cap on every accept queue; the burst must fit under it and overflow Node's 511. */
const somaxconn = Number.parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'), 10);
const BURST = Math.min(700, somaxconn);

const opened: net.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

/** Whether a TCP connection to the port completes within `ms` (the kernel answered it). */
function completes(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    opened.push(s);
    const timer = setTimeout(() => resolve(false), ms);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

describe('the listen backlog', () => {
  it(`holds a burst of ${BURST} connections while the instance cannot accept`, async () => {
    // A queue this small would not tell 511 from 4096: the instance must then say so instead.
    if (somaxconn <= 520) {
      expect(
        fixture.nodes[0]!.log.lines.some((l) => /net\.core\.somaxconn/.test(String(l.msg))),
      ).toBe(true);
      return;
    }
    const node = fixture.nodes[0]!;
    process.kill(node.pid, 'SIGSTOP');
    let done: boolean[];
    try {
      // A dropped handshake is retried by TCP after 1 s and 3 s, and dropped again while the
      // queue stays full: 5 s tells a queue that took the burst from one that did not.
      done = await Promise.all(Array.from({ length: BURST }, () => completes(node.port, 5000)));
    } finally {
      process.kill(node.pid, 'SIGCONT');
    }
    expect(done.filter((ok) => !ok).length).toBe(0);
    // Given back to its event loop, the instance works through the queue and serves again.
    for (const s of opened.splice(0)) s.destroy();
    await readyzUntil(node.url, 200, 15_000);
  });
});
