/**
 * What reading a large Redis reply costs the instance's client (ioredis) and Redis, in the
 * two shapes a Lua script can give it: Redis arrays (ioredis decodes them value by value), or
 * one string (names joined by line breaks, or cjson) that the client takes whole and Node
 * splits or parses. Three replies of the chat's own kinds, on a Redis of the probe's own:
 *
 * - `members`: a room's member list of `--members` entries `<presence id>|<user>`, as the
 *   presence scripts read it (src/server/rooms/scripts/read-members.ts);
 * - `page`: a history page of 50 messages with the append script's fields
 *   (src/server/rooms/history.ts);
 * - `search step`: 1000 entries (src/server/rooms/edits.ts).
 *
 * Each shape is run in `--rounds` alternated rounds of `--reads` reads (100 in flight, as
 * auto-pipelined joins are), and per read it reports this process's CPU (the client's: the
 * call, the decode, the split or parse, the names deduplicated and sorted or the entries
 * checked) and Redis's CPU from /proc; then the medians by shape (bench/ANALYSIS.md, w).
 *
 * Usage: tsc -p bench/tsconfig.json && node bench/out/build/bench/reply-probe.js
 *          [--rounds 4] [--reads 20000] [--members 100]
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { cpuSeconds } from './cpu.js';
import { median } from './fit.js';
import { killAll, runProbe, startRedisProc } from './procs.js';
import { readMembersLua } from '../src/server/rooms/scripts/read-members.js';
import { entriesJsonLua } from '../src/server/rooms/stream-entry.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    reads: { type: 'string', default: '20000' },
    members: { type: 'string', default: '100' },
  },
});
const ROUNDS = Number(args.rounds);
const READS = Number(args.reads);
const MEMBERS = Number(args.members);
const IN_FLIGHT = 100;
const log = (s: string): void => void process.stderr.write(`reply-probe: ${s}\n`);

/** One reply of one kind in both shapes: the Lua of each, and what the client does after. */
interface Case {
  name: string;
  /** Reads per round (a search step costs about 60 member lists). */
  reads: number;
  key: string;
  arrays: string;
  string: string;
  /** Takes the reply as the server code would; throws if it is not what was stored. */
  takeArrays: (reply: unknown) => void;
  takeString: (reply: unknown) => void;
}

/*
 * Every script gets KEYS[1] (unused here), KEYS[2] the key read, ARGV[1] now, ARGV[2] and
 * ARGV[3] the presence scripts' exact and partial list sizes. The string shapes are the
 * server's own Lua (its member-list fragment, its entries-as-JSON expression); the array
 * shapes are what they replaced.
 */
const MEMBER_LUA = (joined: boolean): string =>
  joined
    ? `local now = tonumber(ARGV[1])\n${readMembersLua(2, 3, 4)}\nreturn names`
    : `
local entries = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf')
local out = {}
for _, e in ipairs(entries) do
  if string.find(e, '|', 1, true) then out[#out + 1] = e end
end
return out
`;
const RANGE_LUA = (count: number, json: boolean): string => `
local e = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ${count})
return ${json ? entriesJsonLua('e') : 'e'}
`;

function expectLength(got: number, want: number, what: string): void {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

const users = (names: Iterable<string>): string[] => [...new Set(names)].sort();

function cases(): Case[] {
  const entries = (reply: unknown, n: number, what: string): void => {
    const e = reply as [string, string[]][];
    expectLength(e.length, n, what);
    expectLength(e[0]![1].length, 8, `${what}'s fields`);
  };
  /** The newest `count` entries of the room's stream; `cost`: read `READS / cost` times. */
  const range = (name: string, count: number, cost: number): Case => ({
    name,
    reads: Math.max(1, Math.round(READS / cost)),
    key: 'probe:{r}:log',
    arrays: RANGE_LUA(count, false),
    string: RANGE_LUA(count, true),
    takeArrays: (r) => entries(r, count, name),
    takeString: (r) => entries(JSON.parse(r as string), count, name),
  });
  return [
    {
      name: 'members',
      reads: READS,
      key: 'probe:{r}:members',
      arrays: MEMBER_LUA(false),
      string: MEMBER_LUA(true),
      takeArrays: (r) =>
        expectLength(
          users((r as string[]).map((e) => e.slice(e.indexOf('|') + 1))).length,
          MEMBERS,
          'members',
        ),
      takeString: (r) => expectLength(users((r as string).split('\n')).length, MEMBERS, 'members'),
    },
    range('page', 50, 4),
    range('search step', 1000, 60),
  ];
}

async function fill(redis: Redis): Promise<void> {
  const expiry = Date.now() + 3_600_000;
  for (let i = 0; i < MEMBERS; i++) {
    await redis.zadd('probe:{r}:members', expiry, `k3v9x1q7m2bd.${i % 3}|user-${i}`);
  }
  for (let i = 1; i <= 1100; i++) {
    // The append script's fields: seq, from, text, cmid.
    await redis.xadd(
      'probe:{r}:log',
      '*',
      'seq',
      String(i),
      'from',
      `user-${i % 7}`,
      'text',
      `message ${i}: an ordinary line of chat, about as long as most of them are`,
      'cmid',
      `c${i}-k3v9x1q7m2bd`,
    );
  }
}

/** Client and Redis CPU per read, µs, over `c.reads` reads of one shape. */
async function round(
  redis: Redis,
  redisPid: number,
  c: Case,
  shape: 'arrays' | 'string',
): Promise<{ client: number; redis: number }> {
  const lua = shape === 'arrays' ? c.arrays : c.string;
  const take = shape === 'arrays' ? c.takeArrays : c.takeString;
  const since = String(Date.now());
  const cpu0 = process.cpuUsage();
  const redis0 = cpuSeconds(redisPid);
  for (let done = 0; done < c.reads; done += IN_FLIGHT) {
    const n = Math.min(IN_FLIGHT, c.reads - done);
    const replies = await Promise.all(
      Array.from({ length: n }, () =>
        redis.evalsha(sha(lua), 2, 'probe:{r}:ids', c.key, since, 2000, 200),
      ),
    );
    for (const r of replies) take(r);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    client: (cpu.user + cpu.system) / c.reads,
    redis: ((cpuSeconds(redisPid) - redis0) * 1e6) / c.reads,
  };
}

const shas = new Map<string, string>();
const sha = (lua: string): string => shas.get(lua)!;

async function main(): Promise<void> {
  const { url, pid } = await startRedisProc();
  const redis = new Redis(url, { enableAutoPipelining: true });
  try {
    await fill(redis);
    const all = cases();
    for (const c of all) {
      for (const lua of [c.arrays, c.string])
        shas.set(lua, (await redis.script('LOAD', lua)) as string);
    }
    for (const c of all) {
      const got = {
        arrays: [] as { client: number; redis: number }[],
        string: [] as { client: number; redis: number }[],
      };
      // A warm-up of each shape, then the rounds alternated.
      await round(redis, pid, c, 'arrays');
      await round(redis, pid, c, 'string');
      for (let i = 0; i < ROUNDS; i++) {
        for (const shape of i % 2 === 0
          ? (['arrays', 'string'] as const)
          : (['string', 'arrays'] as const)) {
          const r = await round(redis, pid, c, shape);
          got[shape].push(r);
          log(
            `${c.name} ${shape} round ${i + 1}: client ${r.client.toFixed(1)} µs, Redis ${r.redis.toFixed(1)} µs a read`,
          );
        }
      }
      const m = (s: 'arrays' | 'string', k: 'client' | 'redis'): number =>
        median(got[s].map((r) => r[k]));
      log(
        `${c.name}: client ${m('arrays', 'client').toFixed(1)} -> ${m('string', 'client').toFixed(1)} µs a read ` +
          `(${(m('string', 'client') / m('arrays', 'client')).toFixed(2)}x), Redis ${m('arrays', 'redis').toFixed(1)} -> ` +
          `${m('string', 'redis').toFixed(1)} µs (medians of ${ROUNDS} rounds, arrays -> one string)`,
      );
    }
  } finally {
    redis.disconnect();
    killAll();
  }
}

runProbe(main, log);
