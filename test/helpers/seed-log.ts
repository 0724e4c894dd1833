import type { Cluster, Redis } from 'ioredis';

/**
 * Puts `n` messages into a room's stream as the append script stores them (`<prefix> 1` ..
 * `<prefix> n`, from `seeder`), and the room's sequence to `n`: what reads the stream (search,
 * pages) reads what is stored, however it got there, and a pipeline is much faster than `n`
 * sends. Default key prefix `chat:`.
 */
export async function seedRoomLog(
  redis: Redis | Cluster,
  room: string,
  n: number,
  prefix: string,
  opts: { epoch?: string } = {},
): Promise<void> {
  const log = `chat:room:{${room}}:log`;
  for (let from = 1; from <= n; from += 1000) {
    const p = redis.pipeline();
    for (let i = from; i < Math.min(n + 1, from + 1000); i++) {
      p.xadd(
        log,
        '*',
        'seq',
        i,
        'from',
        'seeder',
        'text',
        `${prefix} ${i}`,
        'kind',
        'text',
        'cmid',
        `seed${i}xxxxx`,
      );
    }
    await p.exec();
  }
  const meta = `chat:room:{${room}}:meta`;
  await redis.hset(meta, 'seq', n, ...(opts.epoch ? ['epoch', opts.epoch] : []));
}
