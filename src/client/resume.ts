import { ErrorCode, roomLabel, type ChatMessage, type Result } from '../protocol/index.js';
import { chatAck, paced } from './ack.js';
import { changeOf } from './changes.js';
import type { Connection } from './connection.js';
import {
  catchUp,
  type Page,
  type PageEvent,
  type PageHost,
  type PageRequest,
} from './delivery/pages.js';
import type { Gap } from './delivery/seq-cursor.js';
import type { Outbox } from './outbox.js';
import type { RoomState } from './room-state.js';
import type { ClientSocket, Emit } from './types.js';

/** Errors a room's resume is asked again after (the server may answer it later). */
const RESUME_AGAIN = new Set<string>([
  ErrorCode.Unavailable,
  ErrorCode.Internal,
  ErrorCode.RateLimited,
]);
/** How long after such an error the resume is asked again. */
export const RESUME_AGAIN_MS = 5000;

/**
 * Keeps every joined room whole: live messages are taken in id order, each once; a hole,
 * a reconnect or the server's request resumes each room from the last message it holds; a
 * history reset on the server (a new epoch) empties the room and reloads it, holding the live
 * messages of the new epoch until the reload has read up to them.
 */
export class Resume implements PageHost<RoomState, ClientSocket> {
  private resyncing: Promise<void> | undefined;
  /** Rooms a reconnect has not joined again yet on the new connection. */
  private readonly rejoining = new Set<string>();
  /** Rooms whose join after a reconnect was refused: the next resume joins them again. */
  private readonly unjoined = new WeakSet<RoomState>();
  /** What the user was last told of a room's refused resume (not told twice). */
  private readonly refusals = new WeakMap<RoomState, string>();
  private againTimer: NodeJS.Timeout | undefined;
  /** A resume for a hole is queued and has not started yet. */
  private holeQueued = false;
  /** Counts reconnect resumes: only the newest one's marks are in `rejoining`. */
  private rejoinGen = 0;
  /** The user's marker in a room as the rejoin's answer gave it, until its resume is done. */
  private readonly rejoinMarks = new Map<RoomState, string>();
  /** Rooms whose history was reset during the resume reading them: their pages are not news. */
  private readonly reloading = new Set<RoomState>();
  /**
   * How a resume reads its pages: what they bring after the room's place reached nobody live
   * (the connection was down, or a message was lost on the way), so it counts unread as a live
   * message does. A page read after a reset of the room's history is the history reloaded.
   */
  private readonly missed: PageHost<RoomState, ClientSocket> = {
    ask: (via, room, event, request) => this.ask(via, room, event, request),
    took: (room, message) =>
      this.accept(room, message, !this.reloading.has(room) || this.wasHeld(room, message)) &&
      !changeOf(message),
    reset: (room) => {
      this.reloading.add(room);
      this.reset(room);
    },
    gap: (room, gap) => this.gap(room, gap),
  };

  constructor(
    private readonly rooms: Map<string, RoomState>,
    private readonly conn: Connection,
    private readonly outbox: Pick<Outbox, 'delivered' | 'retryFailed'>,
    private readonly emit: Emit,
  ) {}

  /** A message pushed by the server (checked against the protocol's schema). */
  onMessage(msg: ChatMessage): void {
    const room = this.rooms.get(msg.room);
    if (!room) return;
    if (room.epoch === undefined) {
      // Joined, not answered yet: which history the room holds is the answer's to say (its
      // history may be reset between the socket's join and the read), so the message waits
      // for it; the join takes those of the answer's epoch.
      room.hold(msg);
      return;
    }
    if (room.isOtherEpoch(msg.epoch)) {
      // The room's history was reset on the server: a resume from our (old-epoch) position
      // is answered with the new history. The message waits until then (it may be newer
      // than what that answer read); the first one held asks for the resume.
      const first = room.held.length === 0;
      room.hold(msg);
      if (first) void this.resync('sync');
      return;
    }
    this.accept(room, msg, true);
    if (room.hasHole()) this.resyncForHole();
  }

  /**
   * A room has a hole: a resume is queued, one at a time (a resume already running may have
   * passed the room, so it is queued after it, not skipped; every live message while the hole
   * lasts does not queue one more).
   */
  private resyncForHole(): void {
    if (this.holeQueued) return;
    this.holeQueued = true;
    void this.resync('hole');
  }

  /**
   * Whether a message of a reloaded room's page came live first (held until the reload): it
   * is news all the same, unread and rung, though the reload brings it.
   */
  private wasHeld(room: RoomState, message: ChatMessage): boolean {
    return room.held.some((m) => m.id === message.id && m.epoch === message.epoch);
  }

  /** Adds a message to its room; true if it was new. */
  accept(room: RoomState, msg: ChatMessage, live: boolean): boolean {
    if (!room.insert(msg)) return false;
    if (msg.clientMsgId) this.outbox.delivered(msg.clientMsgId, msg.id);
    // An edit or delete changes a line in place: nothing new to read; nor is what the user
    // wrote (here, or on another of their clients).
    if (live && !changeOf(msg) && msg.from !== this.conn.welcome?.user) room.unread++;
    this.emit('message', msg);
    return true;
  }

  /**
   * Delivers the live messages held for the room's current epoch (those held before a join's
   * answer, and those of a new epoch held during a reload); drops the rest.
   */
  takeHeld(room: RoomState): void {
    let took = false;
    for (const m of room.held.splice(0)) {
      if (!room.isOtherEpoch(m.epoch)) took = this.accept(room, m, true) || took;
    }
    // Something between the answer and the held messages is missing: resume again (queued).
    if (took && room.hasHole()) this.resyncForHole();
  }

  /**
   * An answer carried another epoch than the room's: the server's history was reset, so the
   * room was emptied (and marked) and is reloaded from that answer. Says so.
   */
  reset(room: RoomState): void {
    this.emit('gap', room.name, { afterSeq: 0, missing: 0, reset: true });
    this.emit(
      'status',
      `the server's history of ${roomLabel(room.name)} was reset (its sequence was lost); reloaded it`,
    );
  }

  /** History the server no longer keeps: a marker in its place. */
  gap(room: RoomState, gap: Gap): void {
    this.emit('gap', room.name, gap);
  }

  /**
   * A message of a page (join, history): new ones are shown, not counted unread. An edit or
   * delete is taken but not counted as a message recovered (it changes one in place).
   */
  took(room: RoomState, message: ChatMessage): boolean {
    return this.accept(room, message, false) && !changeOf(message);
  }

  /** One page of a resume; an error ends the resume (thrown with its code). */
  async ask(
    socket: ClientSocket,
    room: RoomState,
    event: PageEvent,
    request: PageRequest,
  ): Promise<Page> {
    // Told to slow down (a user's clients share a rate, and a resume asks for every room at
    // once), it asks again, paced, rather than leave the rest of its rooms unjoined.
    const gone = (): boolean => this.conn.socket !== socket;
    const once = (): Promise<Result<Page & { members?: string[]; memberCount?: number }>> =>
      event === 'room:join'
        ? chatAck(socket, event, () => this.conn.timed(socket).emitWithAck('room:join', request))
        : chatAck(socket, event, () =>
            this.conn.timed(socket).emitWithAck('room:history', request),
          );
    const res = await paced(once, gone);
    if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
    // The rejoin's answer carries the user's marker: told once the resume has taken what it
    // recovers (see `catchUp`).
    if ('readTo' in res.data && typeof res.data.readTo === 'string') {
      this.rejoinMarks.set(room, res.data.readTo);
    }
    if (res.data.members) room.members = res.data.members;
    if (res.data.memberCount !== undefined) room.memberCount = res.data.memberCount;
    return res.data;
  }

  /**
   * Fetches every message after the room's resume point; returns how many were new. `missed`:
   * a resume (after a reconnect, a hole, the server's request), whose new messages count
   * unread; otherwise the rest of a join's answer, history like its first page.
   */
  async catchUp(
    room: RoomState,
    socket: ClientSocket,
    join: boolean,
    missed: boolean,
  ): Promise<number> {
    let added: number;
    try {
      added = await catchUp(missed ? this.missed : this, socket, room, room.name, join);
    } finally {
      this.reloading.delete(room);
    }
    // Read further on another of the user's clients while this one was away: what the resume
    // recovered up to there is not unread (heard as that client's marker would be).
    const mark = this.rejoinMarks.get(room);
    if (mark !== undefined) {
      this.rejoinMarks.delete(room);
      this.emit('mark', room.name, mark);
    }
    this.takeHeld(room);
    this.emit('room', room.name);
    return added;
  }

  /**
   * Whether a reconnect is still joining `room` again: a send to it now would reach the
   * server before the join and be refused (`not_member`), so it waits for the resume.
   */
  isRejoining(room: string): boolean {
    return this.rejoining.has(room);
  }

  /** Resumes every joined room after a reconnect or a server's request; returns messages recovered. */
  resync(why: 'reconnect' | 'sync' | 'hole'): Promise<number> {
    // Marked at once (the client may send in the same turn as the welcome): until a room is
    // joined again on the new connection, sends to it wait for this resume.
    const gen = why === 'reconnect' ? ++this.rejoinGen : this.rejoinGen;
    if (why === 'reconnect') for (const name of this.rooms.keys()) this.rejoining.add(name);
    const run = async (): Promise<number> => {
      // From here on a hole found is one this run may have passed: it queues another.
      if (why === 'hole') this.holeQueued = false;
      const socket = this.conn.socket;
      let total = 0;
      try {
        if (!socket) return 0;
        for (const room of this.rooms.values()) {
          // A room whose join was refused on this connection is joined, not only read.
          const join = why === 'reconnect' || this.unjoined.has(room);
          try {
            total += await this.catchUp(room, socket, join, true);
            this.unjoined.delete(room);
            this.refusals.delete(room);
          } catch (err) {
            // The connection went away mid-resume; the next connect resumes again.
            if (this.conn.socket !== socket) return total;
            // Refused on a live connection: this room waits, the others go on.
            this.refused(room, join, err);
          }
          if (gen === this.rejoinGen) this.rejoining.delete(room.name);
        }
      } finally {
        // A later reconnect's marks are its own to clear.
        if (gen === this.rejoinGen) this.rejoining.clear();
      }
      await this.outbox.retryFailed();
      return total;
    };
    const p = (this.resyncing ?? Promise.resolve()).then(run);
    const marker: Promise<void> = p.then(
      () => {
        if (this.resyncing === marker) this.resyncing = undefined;
      },
      () => {
        if (this.resyncing === marker) this.resyncing = undefined;
      },
    );
    this.resyncing = marker;
    return p;
  }

  /**
   * A room's resume was answered with an error on a live connection (its peer's account was
   * deleted, the server did not answer in time, ...): the user is told (once for the same
   * error), the live messages held for it are let go (the next one of a new epoch asks again),
   * and a room the server may take later is asked again shortly, joined if its join failed.
   */
  private refused(room: RoomState, join: boolean, err: unknown): void {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    if (join) this.unjoined.add(room);
    room.held.length = 0;
    const again = typeof code === 'string' && RESUME_AGAIN.has(code);
    const said = `could not resume ${roomLabel(room.name)}: ${message}${again ? `; asking again in ${RESUME_AGAIN_MS / 1000} s` : ''}`;
    if (this.refusals.get(room) !== said) {
      this.refusals.set(room, said);
      this.emit('status', said);
    }
    if (again && this.againTimer === undefined) {
      this.againTimer = setTimeout(() => {
        this.againTimer = undefined;
        if (this.conn.socket) void this.resync('hole');
      }, RESUME_AGAIN_MS);
      this.againTimer.unref?.();
    }
  }

  /** Waits until no resume is in progress. */
  async settled(): Promise<void> {
    while (this.resyncing) await this.resyncing;
  }
}
