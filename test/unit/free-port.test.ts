import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/processes.js';

/** The lowest port the kernel gives outgoing connections (Linux). */
const ephemeralLow = (): number =>
  Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe("tests' free ports", () => {
  it('are below the ephemeral range (no outgoing connection takes one while its server is down), each once, and bindable', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) expect(p).toBeLessThan(ephemeralLow());
    // Each is free: a server can listen on it.
    for (const p of ports) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(p, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => srv.close(resolve));
    }
  });
});
