import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-05T11:35:38Z, commit ee924bc, Intel(R) Xeon(R) Processor x 2, 24 GiB, linux 6.18.44-fc-v1252, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 87990000,
      source: 'rss: RSS per instance at start, before any client (84 MiB / 83 MiB)',
    },
    rssPerConnectionBytes: {
      value: 17230,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (14.3 KiB, 15.6 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 21000,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (6 %, 7.8 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 1.8,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (6 %, 7.8 %)",
    },
    usPerDelivery: {
      value: 12.33,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 29.2, 20.3, 17.25 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 66490,
      source:
        'fanout: intercept of that slope (17.7 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 1181,
      source:
        "scale: instances' CPU per message in rooms of 5 on one instance each (2000 messages), less its deliveries and the instances' base",
    },
    usPerConnect: {
      value: 434.5,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (9.3 s over 10.5 s, less holding)",
    },
    usPerJoin: {
      value: 462.3,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (10.5 s over 16.3 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 135,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 182/s)',
    },
    usPerPush: {
      value: 25,
      source: 'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
    },
    commandsPerMessage: {
      value: 9.666,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 505.9,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 265.3,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 32.85,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.618,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 559.1,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 70.6,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.01,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4043,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: null,
      source: 'idle: Redis CPU with the instances up and no client, per instance',
    },
    idleCommandsPerInstanceSec: {
      value: null,
      source: 'idle: Redis commands/s with the instances up and no client, per instance',
    },
    idleBytesPerInstanceSec: {
      value: null,
      source: 'idle: Redis net bytes/s with the instances up and no client, per instance',
    },
    idleUsPerRoomInstanceSec: {
      value: 30,
      source:
        'idle: intercept of Redis CPU over the 10k, 20k tiers (0.6 %, 0.6 %) / 200 (100 rooms x 2 instances)',
    },
    idleCommandsPerRoomInstanceSec: {
      value: 3.16,
      source:
        'idle: Redis commands/s over the hold (INFO commandstats), intercept over the 10k, 20k tiers / 200 (room, instance) pairs',
    },
    idleBytesPerRoomInstanceSec: {
      value: 248.1,
      source: 'idle: Redis net bytes/s (in + out) over the hold, intercept / 200 pairs',
    },
    idleUsPerConnectionSec: {
      value: 0,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.6 %, 0.6 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.01166,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 1.289,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 76.57,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 57592 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 966.3,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 136.5,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
