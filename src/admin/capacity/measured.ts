import type { Costs } from './costs.js';

/**
 * The costs `chat-admin capacity` uses unless given `--costs FILE`: the last full
 * `npm run bench`'s figures. `npm run bench:costs` rewrites this file from
 * bench/out/results.json (and `npm run bench` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = {
  version: 1,
  run: '2026-12-07T06:42:50Z, commit a3e9d60, AMD EPYC x 2, 24 GiB, linux 6.18.44-fc-v1272, Node v20.20.2',
  instance: {
    rssStartBytes: {
      value: 81370000,
      source: 'rss: RSS per instance at start, before any client (78 MiB / 78 MiB)',
    },
    rssPerConnectionBytes: {
      value: 14560,
      source:
        "idle: slope of the instances' RSS over the 10k, 20k tiers (9.5 KiB, 11.9 KiB per connection over start)",
    },
    idleBaseUsPerSec: {
      value: 35500,
      source:
        "idle: intercept of the instances' CPU over the 10k, 20k tiers (9.5 %, 11.9 % of a core, 2 instances), per instance",
    },
    idleUsPerConnectionSec: {
      value: 2.4,
      source: "idle: slope of the instances' CPU over the 10k, 20k tiers (9.5 %, 11.9 %)",
    },
    usPerDelivery: {
      value: 10.69,
      source:
        'fanout: marginal server CPU per delivery (slope over 10k, 20k, 25k, 30k, 40k deliveries/s; 31.8, 25, 25.04, 20.67, 15.92 µs average)',
    },
    trafficBaseUsPerSec: {
      value: 93310,
      source:
        'fanout: intercept of that slope (26 % of a core over 2 instances), per instance, less holding 500 connections idle',
    },
    usPerMessage: {
      value: 0,
      source:
        "scale: instances' CPU per message with every room on 1 instance (rooms of 5 on 4 instances, 8000 messages, less its deliveries and the instances' idle and traffic bases; -1180.1 µs), minus hearing it: the part only the sender's instance pays",
    },
    usPerMessageHeard: {
      value: 236.3,
      source:
        "scale: instances' CPU per message with every room on 2 instances minus on 1 (rooms of 5 on 4 instances; 8000 and 8000 messages, less its deliveries and the instances' idle and traffic bases): what each further instance serving a room spends on each of its messages; the whole with every room on 1 instance came out at -1180.1 µs after the bases, so the sender's part counts as 0",
    },
    usPerConnect: {
      value: 554.4,
      source:
        "idle: connect phase of the 20k tier: instances' CPU per connect (12.5 s over 15 s, less holding)",
    },
    usPerJoin: {
      value: 362.6,
      source:
        "idle: join phase of the 20k tier: instances' CPU per join (9.1 s over 15.7 s, less holding)",
    },
  },
  redis: {
    usPerMessage: {
      value: 226.3,
      source: 'scale: Redis CPU per message with its room on one instance (8000 messages at 181/s)',
    },
    usPerPush: {
      value: 31.25,
      source:
        'scale: Redis CPU per message with every room on 2 instances minus on 1 (8000 and 8000 messages)',
    },
    commandsPerMessage: {
      value: 7.329,
      source:
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
    },
    bytesInPerMessage: {
      value: 356.6,
      source: 'fanout: Redis net input per message (median of the headline points)',
    },
    bytesPerPush: {
      value: 264.8,
      source:
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
    },
    usPerConnect: {
      value: 53.76,
      source: 'idle: connect phase of the 20k tier: Redis CPU per connect, less holding',
    },
    commandsPerConnect: {
      value: 9.939,
      source:
        'idle: connect phase of the 20k tier: Redis commands (INFO commandstats) per connect, less holding',
    },
    bytesPerConnect: {
      value: 581.7,
      source:
        'idle: connect phase of the 20k tier: Redis net bytes (in + out) per connect, less holding',
    },
    usPerJoin: {
      value: 93.44,
      source: 'idle: join phase of the 20k tier: Redis CPU per join, less holding',
    },
    commandsPerJoin: {
      value: 14.51,
      source:
        'idle: join phase of the 20k tier: Redis commands (INFO commandstats) per join, less holding',
    },
    bytesPerJoin: {
      value: 2105,
      source: 'idle: join phase of the 20k tier: Redis net bytes (in + out) per join, less holding',
    },
    idleUsPerInstanceSec: {
      value: 2000,
      source:
        'idle: Redis CPU with 2 instances up and no client (0.4 % of a core over 15 s), per instance',
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
      value: 1.9,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 4.7 µs, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleCommandsPerRoomInstanceSec: {
      value: 0.4,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve",
    },
    idleBytesPerRoomInstanceSec: {
      value: 30.99,
      source:
        "from the code: one renewal (8 commands) every 20 s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve; x 77.5 B, an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)",
    },
    idleUsPerConnectionSec: {
      value: 0.4,
      source: 'idle: slope of Redis CPU over the 10k, 20k tiers (0.5 %, 0.9 %)',
    },
    idleCommandsPerConnectionSec: {
      value: 0.08422,
      source: 'idle: Redis commands/s over the hold, slope per connection over the 10k, 20k tiers',
    },
    idleBytesPerConnectionSec: {
      value: 6.524,
      source: 'idle: Redis net bytes/s (in + out) over the hold, slope per connection',
    },
    historyEntryBytes: {
      value: 76.95,
      source: "fanout: MEMORY USAGE of the 10 rooms' streams / their 100000 entries",
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
      value: 137,
      source:
        'idle: join phase of the 20k tier: Redis used_memory growth per join (presence entry, room keys)',
    },
  },
};
