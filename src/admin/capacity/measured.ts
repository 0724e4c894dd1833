import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-03T11:17:12Z, commit aafdc08, AMD EPYC x 2, 24 GiB, Node v20.20.2 (bench/RESULTS.md)',
  instance: {
    rssStartBytes: {
      value: 86_507_520,
      source: 'rss: RSS per instance at start, before any client (83 / 82 MiB)',
    },
    rssPerConnectionBytes: {
      value: 33_894,
      source:
        'idle: RSS growth between the 10k and 20k tiers per connection (31.3 KiB per connection over start at 10k, 32.2 KiB at 20k)',
    },
    idleBaseUsPerSec: {
      value: 2_500,
      source:
        "idle: intercept of the instances' CPU over the tiers (7.8 % of a core at 10k, 15.1 % at 20k, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 7.3,
      source: "idle: slope of the instances' CPU over the tiers (7.8 % at 10k, 15.1 % at 20k)",
    },
    usPerDelivery: {
      value: 13.2,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k and 40k deliveries/s; 37.2, 31.8 and 20.25 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 144_250,
      source:
        'fanout: intercept of that slope (28.85 % of a core over 2 instances), per instance: the work of messages that does not shrink per delivery at these rates',
    },
    usPerMessage: {
      value: null,
      source: 'scale: instances CPU per message in rooms of 5 (not in that run)',
    },
    usPerConnect: {
      value: null,
      source: "idle: instances' CPU over the connect phase per connection (not in that run)",
    },
    usPerJoin: {
      value: null,
      source: "idle: instances' CPU over the join phase per join (not in that run)",
    },
  },
  redis: {
    usPerMessage: {
      value: 230,
      source:
        'fanout: Redis CPU per message, rooms on 2 instances (median of the headline points: 2.3 µs per delivery x 100)',
    },
    usPerPush: {
      value: null,
      source:
        'fanout at 200 msgs/s minus scale (rooms on 1 instance) per message (not in that run)',
    },
    commandsPerMessage: {
      value: 7,
      source:
        'code (not measured yet): EVALSHA of the append script and its HGET, GET, HINCRBY, XADD, SET, SPUBLISH; the room index ZADD at most once a second per room',
    },
    bytesInPerMessage: {
      value: null,
      source: 'fanout: Redis net input per message (not in that run)',
    },
    bytesPerPush: {
      value: null,
      source: 'fanout: Redis net output per message / 2 subscribed instances (not in that run)',
    },
    usPerConnect: {
      value: null,
      source: 'idle: Redis CPU over the connect phase per connection (not in that run)',
    },
    commandsPerConnect: {
      value: null,
      source: 'idle: Redis commands over the connect phase per connection (not in that run)',
    },
    bytesPerConnect: {
      value: null,
      source: 'idle: Redis net bytes over the connect phase per connection (not in that run)',
    },
    usPerJoin: {
      value: null,
      source: 'idle: Redis CPU over the join phase per join (not in that run)',
    },
    commandsPerJoin: {
      value: null,
      source: 'idle: Redis commands over the join phase per join (not in that run)',
    },
    bytesPerJoin: {
      value: null,
      source: 'idle: Redis net bytes over the join phase per join (not in that run)',
    },
    idleUsPerRoomInstanceSec: {
      value: 25,
      source:
        'idle: intercept of Redis CPU over the tiers (0.7 % at 10k, 0.9 % at 20k) / 200 (100 rooms x 2 instances)',
    },
    idleCommandsPerRoomInstanceSec: {
      value: 7,
      source:
        'code (not measured yet): the presence beat, EVALSHA and its ZRANGEBYSCORE, ZADD, PEXPIRE, ZREMRANGEBYSCORE, EXISTS, PEXPIRE, per room an instance serves, each second',
    },
    idleBytesPerRoomInstanceSec: {
      value: null,
      source:
        'idle: Redis net bytes per second over the hold, intercept per room and instance (not in that run)',
    },
    idleUsPerConnectionSec: {
      value: 0.2,
      source: 'idle: slope of Redis CPU over the tiers (0.7 % at 10k, 0.9 % at 20k)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.0417,
      source:
        'code (not measured yet): the session sweep, one script (EVALSHA, GET x 3, PTTL) per session every CHAT_SESSION_CHECK_MS (120 s)',
    },
    idleBytesPerConnectionSec: {
      value: null,
      source:
        'idle: Redis net bytes per second over the hold, slope per connection (not in that run)',
    },
    historyEntryBytes: {
      value: null,
      source: "fanout: MEMORY USAGE of the rooms' streams / their length (not in that run)",
    },
    dedupeKeyBytes: {
      value: null,
      source: "fanout: MEMORY USAGE of a send's deduplication key (not in that run)",
    },
    sessionBytes: {
      value: null,
      source: 'rss: Redis used_memory growth per account and session made (not in that run)',
    },
    memberBytes: {
      value: null,
      source: 'idle: Redis used_memory growth over the join phase per join (not in that run)',
    },
  },
};
