import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-07T23:26:41Z, commit b5e45dc, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1300, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 81570000,
      source: 'rss: RSS per instance at start, before any client (78 MiB / 78 MiB)',
    },
    rssPerConnectionBytes: {
      value: 15090,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (8.6 KiB, 11.7 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 34750,
      source:
        "idle: the instances' CPU over the 10k, 20k tiers (10.7 %, 10.1 % of a core, 2 instances) less the kept cost per connection, their mean, per instance",
    },
    idleUsPerConnectionSec: {
      value: 2.3,
      source:
        "idle: the 10k, 20k tiers (10.7 %, 10.1 %) did not resolve a cost per connection (the larger measured no more than the smaller); kept from before: idle: slope of the instances' CPU over the 10k, 20k tiers (10.7 %, 13 %) (the run of 2026-12-07T20:24:37Z, commit 7016771)",
    },
    usPerDelivery: {
      value: 12.82,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 25k, 30k, 40k deliveries/s; 25.15, 18.2, 18.69, 19.08, 15.15 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 26790,
      source:
        'fanout: intercept of that slope (12.5 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 0,
      source:
        "scale: instances' CPU per message with every room on 1 instance (rooms of 5 on 4 instances, 8000 messages, less its deliveries and the instances' idle and traffic bases; -200.5 µs), minus hearing it: the part only the sender's instance pays",
    },
    usPerMessageHeard: {
      value: 280,
      source:
        "scale: instances' CPU per message with every room on 2 instances minus on 1 (rooms of 5 on 4 instances; 8000 and 8000 messages, less its deliveries and the instances' idle and traffic bases): what each further instance serving a room spends on each of its messages; the whole with every room on 1 instance came out at -200.5 µs after the bases, so the sender's part counts as 0",
    },
    usPerConnect: {
      value: 471.9,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (10.7 s over 14.2 s, less holding)",
    },
    usPerJoin: {
      value: 265.6,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (7 s over 14.8 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 177.5,
      source: 'scale: Redis CPU per message with its room on one instance (8000 messages at 182/s)',
    },
    usPerPush: {
      value: 48.75,
      source:
        'scale: Redis CPU per message with every room on 2 instances minus on 1 (8000 and 8000 messages)',
    },
    commandsPerMessage: {
      value: 8.364,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 377.5,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 265.4,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 53.16,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.934,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 581.8,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 98.33,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.96,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 2143,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: 1333,
      source:
        'idle: Redis CPU with 2 instances up and no client (0.3 % of a core over 15 s), per instance',
    },
    idleCommandsPerInstanceSec: {
      value: 11,
      source:
        'idle: Redis commands/s with 2 instances up and no client (INFO commandstats), per instance',
    },
    idleBytesPerInstanceSec: {
      value: 1205,
      source: 'idle: Redis net bytes/s (in + out) with 2 instances up and no client, per instance',
    },
    idleUsPerRoomInstanceSec: {
      value: 1.644,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 3.7 µs, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.45,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 34.04,
      source:
        "from the code: one renewal (9 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 75.6 B, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleUsPerConnectionSec: {
      value: 0.3,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.4 %, 0.7 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.08214,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 6.213,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 88.81,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 100000 entries",
    },
    dedupeKeyBytes: {
      value: 150.2,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 966.2,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 136,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
