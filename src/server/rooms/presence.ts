import { MEMBER_LIST_MAX, TYPING_TTL_MS } from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';
import { definePresenceAlive } from './scripts/presence-alive.js';
import { definePresenceDrop } from './scripts/presence-drop.js';
import { definePresenceJoin } from './scripts/presence-join.js';
import { definePresenceLeave } from './scripts/presence-leave.js';
import { definePresenceRead } from './scripts/presence-read.js';
import { definePresenceRenew } from './scripts/presence-renew.js';
import { defineTyping } from './scripts/typing.js';

/** Up to this many presence entries, member counts are exact. */
const EXACT_COUNT_MAX = 2000;

/**
 * An instance's presence id lives this long unless the instance renews it (every beat): a
 * killed instance's members vanish from every list within it, plus one beat of the readers.
 */
export const PRESENCE_TTL_MS = 3000;
/** A member entry lives this long; its instance renews it well before (see ENTRY_RENEW_MS). */
const ENTRY_TTL_MS = 60_000;
/** Each room's entries are renewed about this often (jittered, so rooms do not all renew at once). */
export const ENTRY_RENEW_MS = 20_000;
/** The presence keys outlive their newest entry by this much. */
const KEY_TTL_MS = ENTRY_TTL_MS * 2;
/** A dead presence id is remembered this long: longer than any entry of it can live. */
const DEAD_FORGET_MS = ENTRY_TTL_MS * 2;

/**
 * Room membership across the cluster. Each instance owns entries `<presence id>|<user>` in a
 * room's sorted set, and lists its presence id in the room's set of ids. Whether an id is
 * alive is kept once for the cluster, not per room: each instance renews its id in one
 * cluster-wide set every beat (one command a second, however many rooms it is in). A reader
 * hides the entries of the ids that set shows expired (as of the reader's last beat), so a
 * killed instance's members vanish within {@link PRESENCE_TTL_MS} and a beat; each instance
 * then drops those entries from its own rooms once, and says which rooms' lists changed.
 * An expired id never lives again: an instance whose beat came too late takes a new id and
 * puts its entries back under it, so a reader can never hide a live member. The entries
 * themselves are renewed about every {@link ENTRY_RENEW_MS}, by room.
 */
export class Presence {
  /** room -> user -> number of this instance's sockets of that user in the room. */
  private readonly local = new Map<string, Map<string, number>>();
  /** room -> when its entries are next renewed (0: now, and its list is then announced). */
  private readonly renewAt = new Map<string, number>();
  /** How many times this instance has had to take a new presence id. */
  private generation = 0;
  /**
   * From the last renewal of the id to the beat that found it lost: past PRESENCE_TTL_MS when
   * the beat came late, about a beat when Redis lost the id.
   */
  private lastLossGapMs = 0;
  /** This instance's presence id: its boot id, then `<boot id>.<n>` after the n-th loss. */
  private id: string;
  /** Presence ids seen dead at the last beat (usually none): their entries are hidden. */
  private dead: string[] = [];
  /** Dead ids whose entries this instance has not yet dropped from its rooms. */
  private undropped: string[] = [];
  /** When the last beat renewed this instance's id (its clock). */
  private aliveAt = 0;
  private beating: Promise<void> | undefined;
  /** Counts changes to the set of rooms with local members. */
  private roomsChanged = 0;

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly bootId: string,
  ) {
    this.id = bootId;
    definePresenceAlive(redis);
    definePresenceRenew(redis);
    definePresenceDrop(redis);
    definePresenceRead(redis);
    definePresenceJoin(redis);
    definePresenceLeave(redis);
    defineTyping(redis);
  }

  /** This instance's current presence id. */
  get presenceId(): string {
    return this.id;
  }

  /**
   * How many times this instance's presence id was lost (its beat came later than
   * {@link PRESENCE_TTL_MS}, or Redis lost it), and the time between the last renewal and the
   * beat that found it lost. Each loss made every other instance hide this one's members
   * until it put them back: a stall an operator should hear about.
   */
  get idLosses(): { count: number; lastGapMs: number } {
    return { count: this.generation, lastGapMs: this.lastLossGapMs };
  }

  /**
   * Records a socket of `user` joining (when `add`; a socket already in the room only reads)
   * and reads the room's members and who is typing, in one round trip. `added`: the user is
   * new in the room here, so the room's members should be told.
   */
  async join(
    room: string,
    user: string,
    add: boolean,
    limit = MEMBER_LIST_MAX,
  ): Promise<{ added: boolean; members: string[]; count: number; typing: string[] }> {
    await this.beatIfDue();
    let added = false;
    let users = this.local.get(room);
    if (add) {
      if (!users) {
        this.local.set(room, (users = new Map<string, number>()));
        this.roomsChanged++;
        this.renewAt.set(room, Date.now() + ENTRY_RENEW_MS * (0.5 + Math.random() / 2));
      }
      const n = users.get(user) ?? 0;
      users.set(user, n + 1);
      added = n === 0;
    }
    const now = Date.now();
    const [missing, entries, names, typing] = await this.redis.chatPresenceJoin(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      this.keys.roomTyping(room),
      now,
      added ? '1' : '0',
      user,
      now + ENTRY_TTL_MS,
      KEY_TTL_MS,
      this.id,
      EXACT_COUNT_MAX,
      limit * 2,
      ...this.dead,
    );
    // Our id was not in the room though other users of ours are (the room's keys were
    // lost): put their entries back at the next beat.
    if (Number(missing) === 1 && users && users.size > 1) this.renewAt.set(room, 0);
    return { added, ...this.memberList(entries, names, limit), typing };
  }

  /** Records a socket of `user` leaving; returns true if the user is gone from the room here. */
  async leave(room: string, user: string): Promise<boolean> {
    const users = this.local.get(room);
    const n = users?.get(user) ?? 0;
    if (!users || n === 0) return false;
    if (n > 1) {
      users.set(user, n - 1);
      return false;
    }
    users.delete(user);
    const last = users.size === 0;
    if (last) {
      this.local.delete(room);
      this.renewAt.delete(room);
      this.roomsChanged++;
    }
    await this.beatIfDue();
    await this.redis.chatPresenceLeave(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      `${this.id}|${user}`,
      this.id,
      last ? '1' : '0',
    );
    return true;
  }

  /**
   * Users in the room on any live instance: up to `limit` names, sorted, each once, and how
   * many there are. Up to EXACT_COUNT_MAX entries the count is exact; past that it counts
   * (instance, user) pairs, so a user on two instances counts twice.
   */
  async members(
    room: string,
    limit = MEMBER_LIST_MAX,
  ): Promise<{ members: string[]; count: number }> {
    const [entries, names, mine] = await this.redis.chatPresenceRead(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      Date.now(),
      EXACT_COUNT_MAX,
      limit * 2,
      this.id,
      ...this.dead,
    );
    // Our id is gone from a room we have members in (its keys were lost): put them back at
    // the next beat, which then announces the room.
    if (Number(mine) === 0 && this.local.has(room)) this.renewAt.set(room, 0);
    return this.memberList(entries, names, limit);
  }

  private memberList(
    entries: number,
    names: string,
    limit: number,
  ): { members: string[]; count: number } {
    const users = uniqueUsers(names);
    const count = Number(entries) <= EXACT_COUNT_MAX ? users.length : Number(entries);
    return { members: users.slice(0, limit), count };
  }

  /**
   * Renews the id before a join or leave writes an entry under it, when the heartbeat is late
   * by half the id's life: an entry is only as good as the id it is under. The heartbeat runs
   * on a timer, and a flood of connects or closes is one event-loop turn in which libuv runs
   * no timer: 10,000 closes held it 3-4.5 s (bench/ANALYSIS.md, section r), past the id's
   * PRESENCE_TTL_MS. The joins and leaves of such a turn renew it meanwhile.
   */
  private async beatIfDue(): Promise<void> {
    if (Date.now() - this.aliveAt > PRESENCE_TTL_MS / 2) await this.beat();
  }

  /**
   * Renews this instance's presence id (one command) and learns which ids died. Taking a new
   * id when the old one expired (a beat too late) or vanished (Redis lost its data) marks
   * every room for renewal under the new id; the old id's entries are dropped with the dead.
   */
  private beat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        const now = Date.now();
        const alive = (id: string, known: boolean) =>
          this.redis.chatPresenceAlive(
            this.keys.presenceAlive(),
            now,
            PRESENCE_TTL_MS,
            id,
            DEAD_FORGET_MS,
            known ? '1' : '0',
          );
        const first = await alive(this.id, this.aliveAt > 0);
        let dead = first[1];
        if (Number(first[0]) === 1) {
          // Other instances may be dropping this id's entries: come back under a new one.
          this.lastLossGapMs = now - this.aliveAt;
          this.id = `${this.bootId}.${++this.generation}`;
          [, dead] = await alive(this.id, false);
          for (const room of this.local.keys()) this.renewAt.set(room, 0);
        }
        const known = new Set(this.dead);
        for (const id of dead) if (!known.has(id)) this.undropped.push(id);
        this.dead = dead;
        this.aliveAt = now;
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  /**
   * One beat: renews this instance's presence id; drops the entries of instances that died
   * since the last beat from the rooms it has members in; renews the entries of the rooms
   * that are due (each about every ENTRY_RENEW_MS). Returns the rooms whose member list
   * changed (entries dropped, or put back after they were lost), so their clients can be told.
   */
  async heartbeat(): Promise<string[]> {
    await this.beat();
    const undropped = this.undropped;
    this.undropped = [];
    if (this.local.size === 0) return [];
    const dead = this.dead;
    const now = Date.now();
    // One script per room at most, and only for rooms with something to do: each touches
    // only its room's keys, so it runs on Redis Cluster too; the command connection
    // pipelines them into one write.
    const work: Promise<string | undefined>[] = [];
    for (const [room, users] of this.local) {
      const due = this.renewAt.get(room) ?? 0;
      if (due <= now) {
        this.renewAt.set(room, now + ENTRY_RENEW_MS * (0.75 + Math.random() / 2));
        work.push(
          this.redis
            .chatPresenceRenew(
              this.keys.roomPresenceBoots(room),
              this.keys.roomPresence(room),
              this.keys.roomMeta(room),
              now,
              this.id,
              now + ENTRY_TTL_MS,
              KEY_TTL_MS,
              dead.length,
              ...dead,
              ...users.keys(),
            )
            // Entries put back after they may have been dropped: announce the room.
            .then((dropped) => (Number(dropped) > 0 || due === 0 ? room : undefined)),
        );
      } else if (undropped.length > 0) {
        work.push(
          this.redis
            .chatPresenceDrop(
              this.keys.roomPresenceBoots(room),
              this.keys.roomPresence(room),
              ...undropped,
            )
            .then((dropped) => (Number(dropped) > 0 ? room : undefined)),
        );
      }
    }
    const changed: string[] = [];
    for (const room of await Promise.all(work)) if (room !== undefined) changed.push(room);
    return changed;
  }

  /**
   * Marks this instance's presence id expired now (a clean exit): any entry of it still left
   * is hidden at once, not after {@link PRESENCE_TTL_MS}.
   */
  async withdraw(): Promise<void> {
    await this.redis.zadd(this.keys.presenceAlive(), 'XX', Date.now(), this.id);
  }

  /** Rooms with at least one local member. */
  localRooms(): number {
    return this.local.size;
  }

  /** Changes whenever the set of rooms with members on this instance does. */
  roomsVersion(): number {
    return this.roomsChanged;
  }

  /** The rooms with members on this instance. */
  localRoomNames(): string[] {
    return [...this.local.keys()];
  }

  /** Marks or clears `user` as typing in the room and tells the room's channel. */
  async setTyping(room: string, user: string, typing: boolean): Promise<void> {
    await this.redis.chatTyping(
      this.keys.roomTyping(room),
      this.keys.roomChannel(room),
      user,
      typing ? '1' : '0',
      Date.now() + TYPING_TTL_MS,
      TYPING_TTL_MS * 2,
    );
  }
}

/**
 * The users of a room's live entries as the presence scripts give them (one a line, a user on
 * two instances twice): each once, sorted.
 */
export function uniqueUsers(names: string): string[] {
  return names === '' ? [] : [...new Set(names.split('\n'))].sort();
}
