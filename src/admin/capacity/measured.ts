import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-06T09:20:48Z, commit 3bfc85e, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 81030000,
      source: 'rss: RSS per instance at start, before any client (78 MiB / 77 MiB)',
    },
    rssPerConnectionBytes: {
      value: 20700,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (11.2 KiB, 15.7 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 46500,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (10.3 %, 11.3 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 1,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (10.3 %, 11.3 %)",
    },
    usPerDelivery: {
      value: 12.34,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 27.2, 21.2, 16.79 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 30580,
      source:
        'fanout: intercept of that slope (15.5 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 261.4,
      source:
        "scale: instances' CPU per message with every room on 1 instance (rooms of 5 on 4 instances, 2000 messages, less its deliveries and the instances' idle and traffic bases; 441.4 µs), minus hearing it: the part only the sender's instance pays",
    },
    usPerMessageHeard: {
      value: 180,
      source:
        "scale: instances' CPU per message with every room on 2 instances minus on 1 (rooms of 5 on 4 instances; 2000 and 2000 messages, less its deliveries and the instances' idle and traffic bases): what each further instance serving a room spends on each of its messages",
    },
    usPerConnect: {
      value: 655.3,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (14.8 s over 16.4 s, less holding)",
    },
    usPerJoin: {
      value: 537.3,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (12.7 s over 17.3 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 215,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 181/s)',
    },
    usPerPush: {
      value: 0,
      source:
        'scale: Redis CPU per message with every room on 2 instances minus on 1 (2000 and 2000 messages)',
    },
    commandsPerMessage: {
      value: 7.479,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 366,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 265.1,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 54.09,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 10.17,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 600.7,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 84.22,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.49,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4272,
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
      value: 1.266,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 3.2 µs, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.4,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 33.88,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 84.7 B, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleUsPerConnectionSec: {
      value: 0.3,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.6 %, 0.9 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.09476,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 8.026,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 76.6,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 25458 entries",
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
      value: 137.7,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
