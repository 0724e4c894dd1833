import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatServer } from '../../src/server/transport/io-types.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { Presence } from '../../src/server/rooms/presence.js';
import { PresenceAnnouncer } from '../../src/server/rooms/presence-announce.js';

/**
 * The presence announcer's clock, with fake timers and no Redis: when a change is told to the
 * cluster (one notice per 50 ms window), how long an instance waits before it reads and sends
 * a room's member list (50 ms per member, 0.1 s to 15 s), and its budget of lists per second.
 *
 * The collaborators are real where they can be: a Socket.IO server attached to nothing (its
 * in-memory adapter holds the local rooms the announcer looks at) and a `Presence` whose Redis
 * client never connects. Only `Presence.members`, the one read, is replaced: it records when
 * the announcer reads and answers with the member count the test chooses.
 */

/** A Redis client that never connects (nothing here sends it a command). */
const idle = new Redis({ lazyConnect: true, enableOfflineQueue: false });

/** A Presence whose reads are counted and answered with `count` members; no Redis is reached. */
class CountingPresence extends Presence {
  readonly reads: { room: string; at: number }[] = [];
  count = 1;

  constructor() {
    super(idle, makeKeys('t:'), 'boot');
  }

  override members(room: string): Promise<{ members: string[]; count: number }> {
    this.reads.push({ room, at: Date.now() });
    const members = Array.from({ length: Math.min(this.count, 3) }, (_, i) => `u${i}`);
    return Promise.resolve({ members, count: this.count });
  }
}

let io: ChatServer;
let presence: CountingPresence;
let notices: { room: string; at: number }[];
let announcer: PresenceAnnouncer;
let t0: number;

/** Puts `n` local sockets (ids only: nobody to write to) in the room's Socket.IO room. */
function localMembers(room: string, n: number, prefix = room): void {
  for (let i = 0; i < n; i++)
    void io.of('/').adapter.addAll(`${prefix}-${i}`, new Set([`#${room}`]));
}

/** Reads of `room`, as ms after the test's start. */
const readsOf = (room: string): number[] =>
  presence.reads.filter((r) => r.room === room).map((r) => r.at - t0);

beforeEach(() => {
  vi.useFakeTimers();
  t0 = Date.now();
  io = new Server();
  presence = new CountingPresence();
  notices = [];
  announcer = new PresenceAnnouncer(
    io,
    presence,
    {
      notify: (room) => {
        notices.push({ room, at: Date.now() - t0 });
        return Promise.resolve(1);
      },
    },
    pino({ level: 'silent' }),
  );
});

afterEach(() => {
  announcer.stop();
  vi.useRealTimers();
});

afterAll(() => idle.disconnect());

describe('PresenceAnnouncer: telling the cluster', () => {
  it('gathers the changes of one room within 50 ms into one notice', async () => {
    announcer.changed('lobby');
    await vi.advanceTimersByTimeAsync(20);
    announcer.changed('lobby');
    announcer.changed('lobby');
    await vi.advanceTimersByTimeAsync(29);
    expect(notices).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(notices).toEqual([{ room: 'lobby', at: 50 }]);

    // A change after the window opens the next one.
    announcer.changed('lobby');
    await vi.advanceTimersByTimeAsync(50);
    expect(notices.map((n) => n.at)).toEqual([50, 100]);
  });

  it('keeps rooms apart: each has its own window', async () => {
    announcer.changed('a');
    await vi.advanceTimersByTimeAsync(30);
    announcer.changed('b');
    await vi.advanceTimersByTimeAsync(100);
    expect(notices).toEqual([
      { room: 'a', at: 50 },
      { room: 'b', at: 80 },
    ]);
  });

  it('a notice Redis refuses is dropped, not thrown (clients resume once it is back)', async () => {
    const failing = new PresenceAnnouncer(
      io,
      presence,
      { notify: () => Promise.reject(new Error('Connection is closed.')) },
      pino({ level: 'silent' }),
    );
    failing.changed('lobby');
    await vi.advanceTimersByTimeAsync(50);
    failing.stop();
  });
});

describe('PresenceAnnouncer: telling the local members', () => {
  it('reads a room of unknown size after 100 ms, once for every notice heard meanwhile', async () => {
    localMembers('lobby', 1);
    announcer.heard('lobby');
    await vi.advanceTimersByTimeAsync(60);
    announcer.heard('lobby');
    announcer.heard('lobby');
    await vi.advanceTimersByTimeAsync(39);
    expect(readsOf('lobby')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(readsOf('lobby')).toEqual([100]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(readsOf('lobby')).toEqual([100]);
  });

  it('waits 50 ms per member it last read: a room of 100 is told every 5 s, of 1000 every 15 s', async () => {
    localMembers('big', 1);
    presence.count = 100;
    announcer.heard('big');
    await vi.advanceTimersByTimeAsync(100);
    expect(readsOf('big')).toEqual([100]);

    announcer.heard('big');
    await vi.advanceTimersByTimeAsync(4999);
    expect(readsOf('big')).toEqual([100]);
    await vi.advanceTimersByTimeAsync(1);
    expect(readsOf('big')).toEqual([100, 5100]);

    presence.count = 1000;
    announcer.heard('big');
    await vi.advanceTimersByTimeAsync(5000);
    expect(readsOf('big')).toEqual([100, 5100, 10100]);
    announcer.heard('big');
    await vi.advanceTimersByTimeAsync(14_999);
    expect(readsOf('big')).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(readsOf('big')).toEqual([100, 5100, 10100, 25100]);
  });

  it('reads nothing for a room whose last local member left before the wait was over', async () => {
    localMembers('lobby', 1);
    announcer.heard('lobby');
    await vi.advanceTimersByTimeAsync(50);
    void io.of('/').adapter.del('lobby-0', '#lobby');
    await vi.advanceTimersByTimeAsync(1000);
    expect(readsOf('lobby')).toEqual([]);
  });

  it('forgets a room’s size once its last local member leaves: a new member is told soon', async () => {
    localMembers('lobby', 1);
    presence.count = 200;
    announcer.heard('lobby');
    await vi.advanceTimersByTimeAsync(100);
    expect(readsOf('lobby')).toEqual([100]);

    // Everyone here leaves (Socket.IO deletes the room), then someone joins again.
    void io.of('/').adapter.del('lobby-0', '#lobby');
    localMembers('lobby', 1, 'again');
    presence.count = 1;
    announcer.heard('lobby');
    await vi.advanceTimersByTimeAsync(100);
    expect(readsOf('lobby')).toEqual([100, 200]);
  });

  it('sends at most 1000 sockets’ worth of lists a second: later rooms wait their turn', async () => {
    localMembers('a', 600);
    localMembers('b', 600);
    localMembers('c', 100);
    announcer.heard('a');
    announcer.heard('b');
    announcer.heard('c');
    await vi.advanceTimersByTimeAsync(100);
    // `a` spends 0.6 s of the budget; `b` and `c` wait until it is back.
    expect(readsOf('a')).toEqual([100]);
    expect(readsOf('b')).toEqual([]);
    await vi.advanceTimersByTimeAsync(599);
    expect(readsOf('b')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    // `b` came first: it goes at 0.7 s and spends 0.6 s more; `c` waits again.
    expect(readsOf('b')).toEqual([700]);
    expect(readsOf('c')).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    expect(readsOf('c')).toEqual([1300]);
  });

  it('after a mass join, the rooms due wait for the budget under one timer, in the order they came', async () => {
    const rooms = Array.from({ length: 200 }, (_, i) => `r${i}`);
    for (const r of rooms) localMembers(r, 50);
    for (const r of rooms) announcer.heard(r);
    expect(vi.getTimerCount()).toBe(200);
    await vi.advanceTimersByTimeAsync(100);
    // The first went at once; 199 wait, each 50 ms of the budget after the one before it.
    expect(readsOf('r0')).toEqual([100]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50 * 10);
    expect(presence.reads.map((r) => r.room)).toEqual(rooms.slice(0, 11));
    expect(readsOf('r10')).toEqual([600]);
    expect(vi.getTimerCount()).toBe(1);
    // A room heard again while it waits its turn is told once.
    announcer.heard('r150');
    await vi.advanceTimersByTimeAsync(50 * 189);
    expect(presence.reads.map((r) => r.room)).toEqual(rooms);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() drops what is still waiting', async () => {
    localMembers('lobby', 1);
    announcer.changed('lobby');
    announcer.heard('lobby');
    announcer.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(notices).toEqual([]);
    expect(readsOf('lobby')).toEqual([]);
  });
});
