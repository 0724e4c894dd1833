/**
 * What a bench phase cost Redis besides CPU: commands run (INFO commandstats, a script's own
 * calls included), bytes in and out (INFO stats) and memory (INFO memory), as the difference
 * between a reading before and one after. The capacity model's Redis costs per message, per
 * join and per idle second come from these (bench/costs.ts).
 */
import { Redis } from 'ioredis';

interface Reading {
  calls: number;
  netIn: number;
  netOut: number;
  usedMemory: number;
  /** Bytes of this reading's own reply (counted in the next reading's output). */
  replyBytes: number;
  at: number;
}

/** What Redis did between two readings (the readings' own INFO commands left out). */
export interface RedisDelta {
  commands: number;
  bytesIn: number;
  bytesOut: number;
  /** used_memory after minus before (may be negative). */
  memoryBytes: number;
  seconds: number;
}

const field = (info: string, name: string): number =>
  Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);

/** A connection of the bench's own to a system's Redis, for readings only. */
export class RedisProbe {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  async read(): Promise<Reading> {
    const info = await this.redis.info('commandstats', 'stats', 'memory');
    let calls = 0;
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (m[1] !== 'info') calls += Number(m[2]);
    }
    return {
      calls,
      netIn: field(info, 'total_net_input_bytes'),
      netOut: field(info, 'total_net_output_bytes'),
      usedMemory: field(info, 'used_memory'),
      replyBytes: Buffer.byteLength(info),
      at: performance.now(),
    };
  }

  /**
   * Memory of the keys matching `pattern` (SCAN: bench only), at most `limit` of them, and how
   * many entries they hold.
   */
  async usage(
    pattern: string,
    entries: (key: string) => Promise<number>,
    limit = Infinity,
  ): Promise<{ bytes: number; keys: number; entries: number }> {
    let cursor = '0';
    let bytes = 0;
    let keys = 0;
    let total = 0;
    // Bounded: a SCAN cursor returns to 0 after one pass over a finite keyspace.
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of found) {
        if (keys >= limit) return { bytes, keys, entries: total };
        bytes += (await this.redis.memory('USAGE', k, 'SAMPLES', 0)) ?? 0;
        total += await entries(k);
        keys++;
      }
    } while (cursor !== '0');
    return { bytes, keys, entries: total };
  }

  /** Calls and µs of Redis's CPU by command (INFO commandstats: a script's own calls too). */
  async commands(): Promise<Map<string, CommandCost>> {
    const info = await this.redis.info('commandstats');
    const out = new Map<string, CommandCost>();
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
      out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
    return out;
  }

  /** Entries of a stream (for {@link usage}). */
  xlen = (key: string): Promise<number> => this.redis.xlen(key);

  close(): void {
    this.redis.disconnect();
  }
}

export interface CommandCost {
  calls: number;
  usec: number;
}

/** What each command cost between two readings of {@link RedisProbe.commands}, dearest first. */
export function commandsDelta(
  a: Map<string, CommandCost>,
  b: Map<string, CommandCost>,
): (CommandCost & { command: string })[] {
  return [...b]
    .map(([command, { calls, usec }]) => ({
      command,
      calls: calls - (a.get(command)?.calls ?? 0),
      usec: usec - (a.get(command)?.usec ?? 0),
    }))
    .filter((c) => c.calls > 0 && c.command !== 'info')
    .sort((x, y) => y.usec - x.usec);
}

export function deltaOf(a: Reading, b: Reading): RedisDelta {
  return {
    commands: b.calls - a.calls,
    bytesIn: b.netIn - a.netIn,
    // The first reading's reply went out between the two.
    bytesOut: Math.max(0, b.netOut - a.netOut - a.replyBytes),
    memoryBytes: b.usedMemory - a.usedMemory,
    seconds: Math.round((b.at - a.at) / 100) / 10,
  };
}
