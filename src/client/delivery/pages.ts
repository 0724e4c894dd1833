import { HISTORY_PAGE_MAX, type ChatMessage, type HistoryResult } from '../../protocol/index.js';
import type { Gap } from './seq-cursor.js';

/**
 * The part of a `room:join` or `room:history` answer that moves a room's place (a history
 * answer has no epoch when the room has none now, and no `lastSeq`).
 */
export type Page = Pick<HistoryResult, 'messages' | 'hasMore' | 'truncated' | 'epoch'> & {
  lastSeq?: number;
  /**
   * The position asked from is none the server has (another epoch, or past its newest message:
   * a failover lost what the client had been given): the page is the newest instead.
   */
  unrecoverable?: boolean;
};

/** What asks for a page: the join's answer (first page after a reconnect) or a history read. */
export type PageEvent = 'room:join' | 'room:history';

/** A request for the messages of a room after `since`, within the epoch held. */
export interface PageRequest {
  room: string;
  since: string;
  epoch?: string;
  limit?: number;
}

/**
 * A room's place as pages move it: a {@link SeqCursor}, or the TUI's `RoomState` (a cursor
 * with the window of messages a screen needs, which it empties on a reset).
 */
export interface RoomPlace {
  readonly epoch: string | undefined;
  resumeFrom(): string;
  /** Takes an answer's epoch; true (a reset) when it differs, or with `restart`, whatever it is. */
  adoptEpoch(epoch: string | undefined, restart?: boolean): boolean;
  setBase(firstSeq: number): void;
  acceptGap(nextSeq: number): Gap | null;
}

/**
 * What a program does with pages: asks for them over its connection (`via`), takes their
 * messages, and hears of a reset or a gap. A program keeps one host for all its rooms, so
 * reading a page allocates nothing per message.
 */
export interface PageHost<R extends RoomPlace, C> {
  /**
   * Asks for a page. Undefined stops the resume where it is (no answer, or the connection it
   * was asked on went away); throwing does too, and the error reaches the resume's caller.
   */
  ask(via: C, room: R, event: PageEvent, request: PageRequest): Promise<Page | undefined>;
  /** One message of a page, in id order; true if it was new to the room. */
  took(room: R, message: ChatMessage): boolean;
  /** The server's history of the room was reset (a new epoch): the place started over. */
  reset(room: R): void;
  /** Messages between the place and a truncated page are gone for good. */
  gap(room: R, gap: Gap): void;
}

/** Most pages one resume reads: a bound far above any kept history. */
export const RESUME_PAGES_MAX = 1000;

/**
 * Moves a room's place by one page, then takes its messages; returns how many were new.
 *
 * - A new epoch (the server's history was reset) starts the place over from this page; so
 *   does an answer that says the place is none the server has (`unrecoverable`) in the same
 *   epoch: messages the client was given were lost in a failover, and their sequence numbers
 *   will be given again to new messages, which a place kept past them would drop as seen.
 * - The first page of a join sets the base: what precedes it is history, not owed.
 * - A truncated page (`since` older than the history kept) records the gap before its first
 *   message, so the place moves past what can never come back.
 * - Messages taken before (live, or in an overlapping page) are not new.
 *
 * `asked` is the place the page was asked from: live messages may have moved the room's
 * place since, and `unrecoverable` speaks of the place asked from.
 */
export function readPage<R extends RoomPlace>(
  host: PageHost<R, never>,
  room: R,
  page: Page,
  first: boolean,
  asked = room.resumeFrom(),
): number {
  const head = page.messages[0];
  const restart = startsOver(page, asked);
  if (room.adoptEpoch(page.epoch, restart)) {
    host.reset(room);
    room.setBase(head?.seq ?? (page.lastSeq ?? 0) + 1);
  } else if (first) room.setBase(head?.seq ?? (page.lastSeq ?? 0) + 1);
  if (page.truncated && head) {
    const gap = room.acceptGap(head.seq);
    if (gap) host.gap(room, gap);
  }
  let added = 0;
  for (const m of page.messages) if (host.took(room, m)) added++;
  return added;
}

/**
 * Whether an answer starts the place over in its epoch: the place it was asked from is none
 * the server has. One that held nothing (`0-0`) has nothing to start over (a server of an
 * earlier version answered it as past the newest message of a room that has none).
 */
function startsOver(page: Page, asked: string): boolean {
  return page.unrecoverable === true && asked !== '0-0';
}

/**
 * Resumes a room from its place: every message after the last one it holds without a hole,
 * in pages until there are no more. After a reconnect (`join`) the first page is the join's
 * answer (the new connection is not in the room yet), otherwise a history read. Returns how
 * many messages were new.
 */
export async function catchUp<R extends RoomPlace, C>(
  host: PageHost<R, C>,
  via: C,
  room: R,
  name: string,
  join: boolean,
): Promise<number> {
  let added = 0;
  let since = room.resumeFrom();
  let restarted = false;
  for (let n = 0; n < RESUME_PAGES_MAX; n++) {
    const asJoin = join && n === 0;
    const epoch = room.epoch;
    const request: PageRequest =
      epoch === undefined ? { room: name, since } : { room: name, since, epoch };
    if (!asJoin) request.limit = HISTORY_PAGE_MAX;
    const page = await host.ask(via, room, asJoin ? 'room:join' : 'room:history', request);
    if (!page) break;
    added += readPage(host, room, page, false, since);
    const last = page.messages[page.messages.length - 1];
    // Started over: live messages taken while the page was asked went with the old place,
    // and the page was read before them; one more page from the new place brings them back.
    if (startsOver(page, since) && !restarted) {
      restarted = true;
      since = room.resumeFrom();
      continue;
    }
    if (!page.hasMore || !last) break;
    since = last.id;
  }
  return added;
}
