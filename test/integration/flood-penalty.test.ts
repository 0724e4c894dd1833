import { describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import { hashToken } from '../../src/server/auth/sessions.js';
import { userName, useCluster } from '../helpers/cluster.js';
import { connected, handshakeOutcome, rawSocket } from '../helpers/raw.js';

// Production limits (20 events/s, bursts of 40, cut off after 100 refusals in a row) and a
// penalty long enough (30 s) that no check below can outlast it on a busy machine.
const cluster = useCluster(3, {
  CHAT_RATE_PER_SEC: '20',
  CHAT_RATE_BURST: '40',
  CHAT_FLOOD_DISCONNECT_AFTER: '100',
  CHAT_FLOOD_PENALTY_MS: '30000',
});

describe('flood penalty', () => {
  it('a session cut off for flooding is refused at its next handshake on every instance, also where it is cached', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const name = userName('flooder');
    const { token } = await login(a.url, name, 'password-1');
    // B validates the session and caches it (its next handshake would ask no one); C has
    // never seen it.
    expect(await handshakeOutcome(b.url, { token })).toBe('connected');
    expect(await handshakeOutcome(b.url, { token })).toBe('connected');

    const flooder = await connected(rawSocket(a.url, { token }));
    const ended = new Promise<string>((resolve) =>
      flooder.once('session:ended', ({ reason }) => resolve(reason)),
    );
    const gone = new Promise<string>((resolve) => flooder.once('disconnect', (r) => resolve(r)));
    for (let i = 0; i < 300; i++) flooder.emit('sys:ping', { t: i }, () => undefined);
    expect(await ended).toBe('flood');
    expect(await gone).toBe('io server disconnect');

    // The penalty is stored in the user's slot, beside the session (one script reads both).
    const r = cluster.redis.client();
    const block = `chat:user:{${name}}:flood:block:${hashToken(token)}`;
    expect(await r.pttl(block)).toBeGreaterThan(20_000);
    r.disconnect();

    // A (which cut it, and had cached it), B (which had cached it) and C: all refuse, and a
    // second try on each, answered from the cache, still does.
    for (const n of [b, a, c, b, a, c]) {
      expect(await handshakeOutcome(n.url, { token })).toBe('rate_limited');
    }
  });

  it("one user's sockets on an instance share its rate: more sockets are not more messages", async () => {
    const [a] = cluster.nodes;
    const { token } = await login(a!.url, userName('many'), 'password-1');
    const sockets = await Promise.all([0, 1, 2].map(() => connected(rawSocket(a!.url, { token }))));
    const t0 = performance.now();
    const answers = await Promise.all(
      sockets.flatMap((s) =>
        Array.from(
          { length: 30 },
          (_, i) =>
            new Promise<boolean>((resolve) =>
              s.emit('sys:ping', { t: i }, (r: { ok: boolean }) => resolve(r.ok)),
            ),
        ),
      ),
    );
    const secs = (performance.now() - t0) / 1000;
    for (const s of sockets) s.close();
    const ok = answers.filter(Boolean).length;
    // The burst (40) and what the rate (20/s) refilled meanwhile: not 90, 30 per socket.
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(ok).toBeLessThanOrEqual(40 + Math.ceil(20 * secs));
  });
});
