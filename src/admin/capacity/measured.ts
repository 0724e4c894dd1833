import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T17:53:21Z, commit 362c9cc, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 86100000,
      source: 'rss: RSS per instance at start, before any client (83 MiB / 81 MiB)',
    },
    rssPerConnectionBytes: {
      value: 21240,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (10.7 KiB, 15.7 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 28000,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (8.5 %, 11.4 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 2.9,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (8.5 %, 11.4 %)",
    },
    usPerDelivery: {
      value: 14.99,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 30.6, 29.2, 19.81 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 66280,
      source:
        'fanout: intercept of that slope (19.1 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1869,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerMessageHeard: {
      value: null,
      source:
        'not measured (the run has no scale row with rooms on 2 instances): usPerMessage is charged to every instance serving a room',
    },
    usPerConnect: {
      value: 792,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (17.5 s over 20 s, less holding)",
    },
    usPerJoin: {
      value: 603.6,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (14.1 s over 17.9 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 235,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 181/s)',
    },
    usPerPush: {
      value: 0,
      source: 'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
    },
    commandsPerMessage: {
      value: 7.662,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 377.4,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 268.7,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 67,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 10.02,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 587.3,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 79.95,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.49,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4306,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: 1333,
      source:
        'idle: Redis CPU with 2 instances up and no client (0.3 % of a core over 15 s), per instance',
    },
    idleCommandsPerInstanceSec: {
      value: 10,
      source:
        'idle: Redis commands/s with 2 instances up and no client (INFO commandstats), per instance',
    },
    idleBytesPerInstanceSec: {
      value: 1121,
      source: 'idle: Redis net bytes/s (in + out) with 2 instances up and no client, per instance',
    },
    idleUsPerRoomInstanceSec: {
      value: 12.27,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 30.7 µs a command (the fan-out's append: Redis CPU over commands per message)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.4,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 19.7,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 49.3 B a command (the fan-out's append: bytes in over commands per message)",
    },
    idleUsPerConnectionSec: {
      value: 0.4,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.5 %, 0.9 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.1233,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 9.916,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 76.89,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 35351 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 966.2,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 137.3,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
