import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T16:58:44Z, commit ec7afa1, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 88310000,
      source: 'rss: RSS per instance at start, before any client (85 MiB / 84 MiB)',
    },
    rssPerConnectionBytes: {
      value: 19920,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (12.4 KiB, 15.9 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 32000,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (9.1 %, 11.8 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 2.7,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (9.1 %, 11.8 %)",
    },
    usPerDelivery: {
      value: 16.43,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 29.6, 28.2, 20.73 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 52330,
      source:
        'fanout: intercept of that slope (17.1 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1669,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerConnect: {
      value: 650.8,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (14.6 s over 17.2 s, less holding)",
    },
    usPerJoin: {
      value: 648.9,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (15.1 s over 18.1 s, less holding)",
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
      value: 7.557,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 370.4,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 266.4,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 49.84,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.929,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 580.3,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 77.46,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.19,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4172,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: 1667,
      source:
        'idle: Redis CPU with 2 instances up and no client (0.3 % of a core over 15 s), per instance',
    },
    idleCommandsPerInstanceSec: {
      value: 10,
      source:
        'idle: Redis commands/s with 2 instances up and no client (INFO commandstats), per instance',
    },
    idleBytesPerInstanceSec: {
      value: 1123,
      source: 'idle: Redis net bytes/s (in + out) with 2 instances up and no client, per instance',
    },
    idleUsPerRoomInstanceSec: {
      value: 12.44,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 31.1 µs a command (the fan-out's append: Redis CPU over commands per message)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.4,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 19.61,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 49 B a command (the fan-out's append: bytes in over commands per message)",
    },
    idleUsPerConnectionSec: {
      value: 0.4,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.6 %, 1 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.1353,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 10.87,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 77.33,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 22814 entries",
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
      value: 137,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
