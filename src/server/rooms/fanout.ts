import { Cluster } from 'ioredis';
import type { ChatServer } from '../transport/io-types.js';
import { emitAboutRoom } from './direct.js';
import { parseFanout, RESET_NOTICE } from './history.js';
import { roomOf } from './room-names.js';
import type { Keys } from '../redis/keys.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { PRESENCE_NOTICE } from './presence-announce.js';
import { TYPING_NOTICE } from './scripts/typing.js';
import type { RedisConn } from '../redis/clients.js';
import type { RateCounter } from '../ops/status.js';

/** What the fan-out needs of its instance (given once, in `instance.ts`). */
export interface FanoutDeps {
  sub: RedisConn;
  keys: Keys;
  io: ChatServer;
  log: Logger;
  metrics: Metrics;
  rates: RateCounter;
  /** The room's members changed (a presence notice on its channel). */
  onPresence(room: string): void;
}

/**
 * Delivers stored messages to this instance's sockets, room by room. The append script
 * publishes each message on its room's sharded channel (same slot as the room's keys) in the
 * atomic step that stores it, so subscribers see a room's messages in id order; Socket.IO
 * keeps that order per socket. This instance subscribes to a room's channel when its first
 * local member joins and unsubscribes when the last one leaves: it receives nothing for
 * rooms without local members, so adding instances adds fan-out capacity.
 *
 * The channel also carries presence notices ({@link PRESENCE_NOTICE}: a room's members
 * changed) and typing notices ({@link TYPING_NOTICE}), so everything about a room reaches
 * exactly the instances with members in it, in one order, on one subscription.
 *
 * When subscriptions are re-established after a Redis outage or a failover, clients are told
 * to resume from their last id, since anything published meanwhile was missed here.
 */
export class RoomFanout {
  /** room -> its subscription, settled once Redis confirmed it. */
  private readonly subs = new Map<string, Promise<void>>();
  /** channel -> room, for incoming publications. */
  private readonly channels = new Map<string, string>();
  private lostAt: number | undefined;
  private started = false;
  private recovering = false;

  constructor(private readonly d: FanoutDeps) {}

  /** Listens for publications and follows the local rooms' lifecycle. */
  start(): void {
    const { sub, io, log } = this.d;
    sub.on('smessage', (channel: string, raw: string) => this.onMessage(channel, raw));
    const adapter = io.of('/').adapter;
    adapter.on('create-room', (r: string) => {
      if (r.startsWith('#')) void this.subscribed(r.slice(1)).catch(() => undefined);
    });
    adapter.on('delete-room', (r: string) => {
      if (r.startsWith('#')) this.unsubscribe(r.slice(1));
    });
    const lost = (): void => {
      if (this.started && this.lostAt === undefined) {
        this.lostAt = Date.now();
        log.warn('room channel subscriptions lost');
      }
    };
    const back = (): void => void this.recover();
    if (sub instanceof Cluster) {
      sub.on('-node', lost);
      sub.on('-subscriber', lost);
      sub.on('subscribersReady', back);
    } else {
      sub.on('close', lost);
    }
    sub.on('ready', back);
    this.started = true;
  }

  /** Resolves once this instance receives the room's messages (call before reading history). */
  subscribed(room: string): Promise<void> {
    const have = this.subs.get(room);
    if (have) return have;
    const channel = this.d.keys.roomChannel(room);
    this.channels.set(channel, room);
    const p = this.d.sub.ssubscribe(channel).then(
      () => undefined,
      (err: unknown) => {
        // Not subscribed after all: the next join tries again.
        if (this.subs.get(room) === p) this.forget(room);
        throw err;
      },
    );
    this.subs.set(room, p);
    this.d.metrics.roomSubscriptions.set(this.subs.size);
    return p;
  }

  private forget(room: string): void {
    this.subs.delete(room);
    this.channels.delete(this.d.keys.roomChannel(room));
    this.d.metrics.roomSubscriptions.set(this.subs.size);
  }

  private unsubscribe(room: string): void {
    if (!this.subs.has(room)) return;
    this.forget(room);
    this.d.sub.sunsubscribe(this.d.keys.roomChannel(room)).catch((err: unknown) => {
      this.d.log.debug({ room, err: (err as Error).message }, 'unsubscribe deferred');
    });
  }

  private onMessage(channel: string, raw: string): void {
    const room = this.channels.get(channel);
    if (room === undefined) return;
    if (raw === PRESENCE_NOTICE) {
      this.d.onPresence(room);
      return;
    }
    if (raw.startsWith(TYPING_NOTICE)) {
      this.onTyping(room, raw);
      return;
    }
    if (raw === RESET_NOTICE) {
      this.d.io.local
        .to(roomOf(room))
        .emit('sync:required', { reason: 'the conversation was opened afresh' });
      return;
    }
    const msg = parseFanout(raw);
    if (!msg || msg.room !== room) {
      this.d.log.warn({ raw: raw.slice(0, 200) }, 'malformed fan-out message ignored');
      return;
    }
    this.d.metrics.fanoutReceived.inc();
    const n = emitAboutRoom(this.d.io, room, 'message:created', (address) =>
      address === room ? msg : { ...msg, room: address },
    );
    if (n === 0) return;
    this.d.metrics.messagesOut.inc(n);
    this.d.rates.addOut(n);
  }

  /** Tells this instance's members of the room, but the typist's own sockets, who is typing. */
  private onTyping(room: string, raw: string): void {
    const flag = raw.charAt(TYPING_NOTICE.length);
    const user = raw.slice(TYPING_NOTICE.length + 2);
    if ((flag !== '0' && flag !== '1') || user.length === 0) {
      this.d.log.warn({ raw: raw.slice(0, 200) }, 'malformed typing notice ignored');
      return;
    }
    const typing = flag === '1';
    emitAboutRoom(this.d.io, room, 'typing:updated', (r) => ({ room: r, user, typing }), {
      exceptUser: user,
    });
  }

  /**
   * After subscriptions were lost: subscribes again to every room with local members and
   * waits for Redis to confirm (ioredis re-subscribes by itself but does not say when that
   * is done), then asks local clients to resume. Called again from the heartbeat until it
   * succeeds.
   */
  async recover(): Promise<void> {
    if (this.lostAt === undefined || this.recovering) return;
    this.recovering = true;
    const since = this.lostAt;
    try {
      const rooms = [...this.subs.keys()];
      // One SSUBSCRIBE per room: in a cluster, one call may name channels of one slot only.
      await Promise.all(rooms.map((r) => this.d.sub.ssubscribe(this.d.keys.roomChannel(r))));
      if (this.lostAt !== since) return;
      this.lostAt = undefined;
      this.d.log.info(
        { rooms: rooms.length, lostMs: Date.now() - since },
        'room subscriptions restored; asking clients to resume',
      );
      this.d.io.local.emit('sync:required', { reason: 'redis subscription restored' });
    } catch (err) {
      this.d.log.debug({ err: (err as Error).message }, 'room subscriptions not restored yet');
    } finally {
      this.recovering = false;
    }
  }

  /** Whether subscriptions are known to be lost (readiness says no meanwhile). */
  healthy(): boolean {
    return this.lostAt === undefined && this.d.sub.status === 'ready';
  }

  async stop(): Promise<void> {
    // The connection's close that follows (the instance quitting Redis) is no loss.
    this.started = false;
    const channels = [...this.channels.keys()];
    this.subs.clear();
    this.channels.clear();
    await Promise.all(channels.map((c) => this.d.sub.sunsubscribe(c).catch(() => undefined)));
  }
}
