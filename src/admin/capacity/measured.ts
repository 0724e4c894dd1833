import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-06T04:51:11Z, commit 342232b, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 88830000,
      source: 'rss: RSS per instance at start, before any client (85 MiB / 84 MiB)',
    },
    rssPerConnectionBytes: {
      value: 19240,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (12.1 KiB, 15.5 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 28500,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (10.7 %, 15.7 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 5,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (10.7 %, 15.7 %)",
    },
    usPerDelivery: {
      value: 10.3,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 40k deliveries/s; 30.4, 22.82, 15.95 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 78220,
      source:
        'fanout: intercept of that slope (21.8 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 0,
      source:
        "scale: instances' CPU per message with every room on 1 instance (rooms of 5 on 4 instances, 2000 messages, less its deliveries and the instances' idle and traffic bases; -329.8 µs), minus hearing it: the part only the sender's instance pays",
    },
    usPerMessageHeard: {
      value: 495,
      source:
        "scale: instances' CPU per message with every room on 2 instances minus on 1 (rooms of 5 on 4 instances; 2000 and 2000 messages, less its deliveries and the instances' idle and traffic bases): what each further instance serving a room spends on each of its messages; the whole with every room on 1 instance came out at -329.8 µs after the bases, so the sender's part counts as 0",
    },
    usPerConnect: {
      value: 846.1,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (19.3 s over 22.1 s, less holding)",
    },
    usPerJoin: {
      value: 645.8,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (16 s over 19.4 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 215,
      source: 'scale: Redis CPU per message with its room on one instance (2000 messages at 181/s)',
    },
    usPerPush: {
      value: 40,
      source:
        'scale: Redis CPU per message with every room on 2 instances minus on 1 (2000 and 2000 messages)',
    },
    commandsPerMessage: {
      value: 7.57,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 370.7,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 266,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 71.26,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 10.12,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 595,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 97.81,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.55,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 4284,
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
      value: 1.163,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 2.9 µs, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.4,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 33.05,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 82.6 B, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleUsPerConnectionSec: {
      value: 0.3,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.7 %, 1 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.1032,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 8.527,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 77,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 30415 entries",
    },
    dedupeKeyBytes: {
      value: 136,
      source: "fanout: MEMORY USAGE of 1000 sends' deduplication keys, mean",
    },
    sessionBytes: {
      value: 966.4,
      source: 'rss: Redis used_memory growth over making 20000 accounts with a session each',
    },
    memberBytes: {
      value: 137.7,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
