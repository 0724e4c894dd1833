import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T09:12:43Z, commit 620d3c1, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 88820000,
      source: 'rss: RSS per instance at start, before any client (85 MiB / 85 MiB)',
    },
    rssPerConnectionBytes: {
      value: 22290,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (12.2 KiB, 17 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 51000,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (11.7 %, 13.2 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 1.5,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (11.7 %, 13.2 %)",
    },
    usPerDelivery: {
      value: 11.69,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 40, 31.9, 21.16 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 127400,
      source:
        'fanout: intercept of that slope (35.8 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1150,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerConnect: {
      value: 768.5,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (17.5 s over 18.3 s, less holding)",
    },
    usPerJoin: {
      value: 668.5,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (15.9 s over 19.1 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 210,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 181/s)',
    },
    usPerPush: {
      value: 40,
      source: 'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
    },
    commandsPerMessage: {
      value: 7.163,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 371,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 254.1,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 55.36,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 7.839,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 497.4,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 89.91,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 15.56,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4125,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerRoomInstanceSec: {
      value: 55,
      source:
        'idle: intercept of Redis CPU over the 10k, 20k tiers (1 %, 0.9 %) / 200 (100 rooms x 2 instances)',
    },
    idleCommandsPerRoomInstanceSec: {
      value: 12.45,
      source:
        'idle: Redis commands/s over the hold (INFO commandstats), intercept over the 10k, 20k tiers / 200 (room, instance) pairs',
    },
    idleBytesPerRoomInstanceSec: {
      value: 654.8,
      source: 'idle: Redis net bytes/s (in + out) over the hold, intercept / 200 pairs',
    },
    idleUsPerConnectionSec: {
      value: 0,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (1 %, 0.9 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 0,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 78.84,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 17739 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 965.4,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 138.6,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
