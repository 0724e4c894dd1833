import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T05:47:00Z, commit aec8402 (with changes), AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 86580000,
      source: 'rss: RSS per instance at start, before any client (83 MiB / 83 MiB)',
    },
    rssPerConnectionBytes: {
      value: 23550,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (13.5 KiB, 18.3 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 35000,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (11.8 %, 16.6 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 4.8,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (11.8 %, 16.6 %)",
    },
    usPerDelivery: {
      value: 11.98,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 36.4, 25.53, 18.14 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 81750,
      source:
        'fanout: intercept of that slope (23.8 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1235,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerConnect: {
      value: 662.5,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (15.1 s over 15.3 s, less holding)",
    },
    usPerJoin: {
      value: 618.9,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (15.4 s over 18.3 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 195,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 181/s)',
    },
    usPerPush: {
      value: 0,
      source: 'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
    },
    commandsPerMessage: {
      value: 7.121,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 356.3,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 257.8,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 44.1,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 8.917,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 543.1,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 74.67,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 11.36,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 3765,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerRoomInstanceSec: {
      value: 0,
      source:
        'idle: intercept of Redis CPU over the 10k, 20k tiers (0.9 %, 2 %) / 200 (100 rooms x 2 instances)',
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0,
      source:
        'idle: Redis commands/s over the hold (INFO commandstats), intercept over the 10k, 20k tiers / 200 (room, instance) pairs',
    },
    idleBytesPerRoomInstanceSec: {
      value: 0,
      source: 'idle: Redis net bytes/s (in + out) over the hold, intercept / 200 pairs',
    },
    idleUsPerConnectionSec: {
      value: 1.1,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.9 %, 2 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.4668,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 40.56,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 77.53,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 22590 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 964.6,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 137.5,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
