import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T02:49:02Z, commit dc0f7cf, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 85530000,
      source: 'rss: RSS per instance at start, before any client (82 MiB / 81 MiB)',
    },
    rssPerConnectionBytes: {
      value: 16460,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (13.1 KiB, 14.6 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 16500,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (7.6 %, 11.9 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 4.3,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (7.6 %, 11.9 %)",
    },
    usPerDelivery: {
      value: 13.69,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 28.4, 20.9, 17.95 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 55540,
      source:
        'fanout: intercept of that slope (14.8 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1339,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerConnect: {
      value: 492.5,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (10.8 s over 12.2 s, less holding)",
    },
    usPerJoin: {
      value: 410.3,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (10.1 s over 15.7 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 160,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 182/s)',
    },
    usPerPush: {
      value: 0,
      source: 'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
    },
    commandsPerMessage: {
      value: 7.21,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 360.2,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 258.7,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 38.83,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.137,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 553.2,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 75.8,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 15.6,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4106,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerRoomInstanceSec: {
      value: 30,
      source:
        'idle: intercept of Redis CPU over the 10k, 20k tiers (0.6 %, 0.6 %) / 200 (100 rooms x 2 instances)',
    },
    idleCommandsPerRoomInstanceSec: {
      value: 7.114,
      source:
        'idle: Redis commands/s over the hold (INFO commandstats), intercept over the 10k, 20k tiers / 200 (room, instance) pairs',
    },
    idleBytesPerRoomInstanceSec: {
      value: 240.5,
      source: 'idle: Redis net bytes/s (in + out) over the hold, intercept / 200 pairs',
    },
    idleUsPerConnectionSec: {
      value: 0,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.6 %, 0.6 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.0002267,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 1.518,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 77.05,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 46327 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 965.6,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 136,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
