import { describe, expect, it } from 'vitest';
import { SEARCH_SCAN_MAX, type SearchResult } from '../../src/protocol/index.js';
import { connectUser, useCluster } from '../helpers/cluster.js';
import { ask, code, ok, socketPool } from '../helpers/raw.js';
import { seedRoomLog } from '../helpers/seed-log.js';

/**
 * A user's searches read at most a budget of history entries a second on an instance
 * (`CHAT_SEARCH_SCAN_PER_SEC`, with five seconds' worth at once), shared by the user's sockets
 * there: ten sockets searching as fast as they can read no more than one would, and another
 * user's search is not held back by it.
 */
const PER_SEC = 200;
const BURST = PER_SEC * 5;
const cluster = useCluster(1, { CHAT_SEARCH_SCAN_PER_SEC: String(PER_SEC) });
const pool = socketPool();

describe("a user's search budget", () => {
  it("bounds what one user's sockets read together, and not what another user reads", async () => {
    const url = cluster.nodes[0]!.url;
    const room = 'budget';
    const alice = await connectUser([url]);
    const bob = await connectUser([url]);
    cluster.clients.push(alice.client, bob.client);
    const sockets = await Promise.all(
      Array.from({ length: 10 }, () => pool.open(url, alice.token)),
    );
    const bobs = await pool.open(url, bob.token);
    await ok(ask(bobs, 'room:join', { room }));
    // 5000 entries, as the append script stores them.
    const redis = cluster.redis.client();
    try {
      await seedRoomLog(redis, room, 5000, 'hay', { epoch: 'e1' });
    } finally {
      redis.disconnect();
    }

    // Every socket of alice's searches step after step, from the newest, for a while.
    const started = performance.now();
    let read = 0;
    let refused = 0;
    await Promise.all(
      sockets.map(async (s) => {
        for (let n = 0; n < 12; n++) {
          const res = await ask<SearchResult>(s, 'room:search', { room, text: 'needle' });
          if (res.ok) {
            expect(res.data.scanned).toBeLessThanOrEqual(SEARCH_SCAN_MAX);
            read += res.data.scanned;
          } else {
            expect(code(res)).toBe('rate_limited');
            refused++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // What the budget allows over the time they took, and no more; each was told to slow down.
    expect(read).toBeLessThanOrEqual(BURST + PER_SEC * seconds + 1);
    expect(read).toBeGreaterThanOrEqual(BURST);
    expect(refused).toBeGreaterThan(0);

    // bob's budget is his own: a whole step.
    const his = await ok(ask<SearchResult>(bobs, 'room:search', { room, text: 'needle' }));
    expect(his.scanned).toBe(SEARCH_SCAN_MAX);
  });

  it("the terminal client's search asks again, paced, when told to slow down", async () => {
    const url = cluster.nodes[0]!.url;
    const { client } = await connectUser([url]);
    cluster.clients.push(client);
    await client.join('budget');
    // Five steps empty the budget; the sixth and seventh wait for it to fill, and are answered.
    let before: string | undefined;
    let scanned = 0;
    for (let n = 0; n < 7; n++) {
      const step = await client.search('budget', 'needle', before);
      scanned += step.scanned;
      before = step.next ?? before;
    }
    expect(scanned).toBeGreaterThan(BURST);
  });
});
