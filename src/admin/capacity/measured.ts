import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-07T18:09:02Z, commit 732952d, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1300, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 81710000,
      source: 'rss: RSS per instance at start, before any client (78 MiB / 78 MiB)',
    },
    rssPerConnectionBytes: {
      value: 13700,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (9.6 KiB, 11.5 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 0,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (2.8 %, 5.8 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 3,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (2.8 %, 5.8 %)",
    },
    usPerDelivery: {
      value: 10.42,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 25k, 30k, 40k deliveries/s; 20.4, 14.31, 13.19, 12.53, 13.2 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 38650,
      source:
        'fanout: intercept of that slope (8 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 8.5,
      source:
        "scale: instances' CPU per message with every room on 1 instance (rooms of 5 on 4 instances, 8000 messages, less its deliveries and the instances' idle and traffic bases; 8.5 µs), minus hearing it: the part only the sender's instance pays",
    },
    usPerMessageHeard: {
      value: 0,
      source:
        "scale: instances' CPU per message with every room on 2 instances minus on 1 (rooms of 5 on 4 instances; 8000 and 8000 messages, less its deliveries and the instances' idle and traffic bases): what each further instance serving a room spends on each of its messages",
    },
    usPerConnect: {
      value: 255.3,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (5.3 s over 7.3 s, less holding)",
    },
    usPerJoin: {
      value: 209.7,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (5 s over 13.4 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 120,
      source: 'scale: Redis CPU per message with its room on one instance (8000 messages at 182/s)',
    },
    usPerPush: {
      value: 0,
      source:
        'scale: Redis CPU per message with every room on 2 instances minus on 1 (8000 and 8000 messages)',
    },
    commandsPerMessage: {
      value: 7.27,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 373.7,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 264,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 27.54,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.883,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 580.6,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 69.16,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 15.12,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 2067,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: 1000,
      source:
        'idle: Redis CPU with 2 instances up and no client (0.2 % of a core over 15 s), per instance',
    },
    idleCommandsPerInstanceSec: {
      value: 11,
      source:
        'idle: Redis commands/s with 2 instances up and no client (INFO commandstats), per instance',
    },
    idleBytesPerInstanceSec: {
      value: 1203,
      source: 'idle: Redis net bytes/s (in + out) with 2 instances up and no client, per instance',
    },
    idleUsPerRoomInstanceSec: {
      value: 1.342,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 3 µs, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.45,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 38.33,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 85.2 B, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleUsPerConnectionSec: {
      value: 0.1,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.4 %, 0.5 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.03352,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 2.855,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 88.72,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 100000 entries",
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
      value: 135.4,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
