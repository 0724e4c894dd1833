import type { AwayState } from '../../protocol/index.js';
import type { RedisConn } from '../redis/clients.js';
import type { Keys } from '../redis/keys.js';

/**
 * Away messages (`away:set`, `away:get`): one string key per user, in the user's slot
 * (`user:{<name>}:away`), kept until the user is back or the account goes.
 */
export class Away {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
  ) {}

  /** Away with `message` (already checked and trimmed), or back (`undefined`). */
  async set(user: string, message: string | undefined, now: number): Promise<AwayState | null> {
    const key = this.keys.userAway(user);
    if (message === undefined) {
      await this.redis.del(key);
      return null;
    }
    // A new message while away keeps the period (and so who has been told of it).
    const was = parse(user, await this.redis.get(key));
    const state = { user, message, since: was?.since ?? now };
    await this.redis.set(key, JSON.stringify({ message, since: state.since }));
    return state;
  }

  /**
   * The away states of `users` (at most AWAY_QUERY_MAX). One GET each: the keys are in the
   * users' own slots, which one MGET cannot span on Redis Cluster.
   */
  async get(users: readonly string[]): Promise<AwayState[]> {
    const unique = [...new Set(users)];
    const raw = await Promise.all(unique.map((u) => this.redis.get(this.keys.userAway(u))));
    return unique.flatMap((u, i) => parse(u, raw[i] ?? null) ?? []);
  }
}

function parse(user: string, raw: string | null): AwayState | undefined {
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as { message?: unknown; since?: unknown };
    if (typeof v.message === 'string' && typeof v.since === 'number')
      return { user, message: v.message, since: v.since };
  } catch {
    // Not ours: treated as not away.
  }
  return undefined;
}
