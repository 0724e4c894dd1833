import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-03T11:17:12Z, commit aafdc08, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1147, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 86510000,
      source: 'rss: RSS per instance at start, before any client (83 MiB / 82 MiB)',
    },
    rssPerConnectionBytes: {
      value: 33870,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (31.3 KiB, 32.2 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 2500,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (7.8 %, 15.1 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 7.3,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (7.8 %, 15.1 %)",
    },
    usPerDelivery: {
      value: 13.2,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 37.2, 31.8, 20.25 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 138100,
      source:
        'fanout: intercept of that slope (28.9 % of a core over 2 instances), per instance, less holding 500 connections idle',
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
      value: 226.5,
      source:
        'fanout: Redis CPU per message, rooms on 2 instances (median of the headline points, less holding)',
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
        'idle: intercept of Redis CPU over the 10k, 20k tiers (0.7 %, 0.9 %) / 200 (100 rooms x 2 instances)',
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
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.7 %, 0.9 %)',
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
