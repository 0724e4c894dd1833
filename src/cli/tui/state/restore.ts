import {
  compareIds,
  countsOnTab,
  type ChatMessage,
  type MarksSummary,
  type UnreadRoom,
} from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import type { ChatPort } from './chat-port.js';

/** What a start needs of the store. */
export interface RestoreHost {
  readonly client: Pick<ChatPort, 'fetchMarks' | 'rooms'>;
  readonly user: string | undefined;
  /** The users the client hides (`/ignore`): the server leaves them out of its counts. */
  ignoredUsers(): readonly string[];
  /** Joins a room named on the command line (validated), without switching to it. */
  join(name: string, show: boolean): Promise<boolean>;
}

export interface RestoreHooks {
  /** Opens a room or conversation the server listed, without switching to it. */
  open(room: string, opts: { show: boolean }): Promise<boolean>;
  /** Rooms with unread messages at the start: a join must not mark them read. */
  unreadAtStart(rooms: ReadonlySet<string>): void;
  /**
   * Sets a room's unread count, and the mentions among them that the room does not hold, as
   * the server counted them (`counted` says what its count covers, from its marker on).
   */
  unread(room: string, unread: number, hiddenMentions: number, counted: ServerCount): void;
  mentions(list: readonly ChatMessage[]): void;
}

/**
 * What the server's unread count of a room covers: the messages after its marker `readTo`
 * (undefined: no marker) up to sequence number `toSeq`, leaving out the users in `without`.
 */
export interface ServerCount {
  readTo: string | undefined;
  toSeq: number;
  without: ReadonlySet<string>;
}

/** A summary of where the user stands, and the ignore list it was asked with. */
export interface AskedSummary {
  summary: MarksSummary;
  without: ReadonlySet<string>;
}

/** Asks the server where the user stands, its counts leaving out the users the client hides. */
export async function fetchSummary(host: RestoreHost): Promise<AskedSummary> {
  const ignored = host.ignoredUsers();
  return { summary: await host.client.fetchMarks(ignored), without: new Set(ignored) };
}

/**
 * A start, as a returning user expects it: one answer from the server (`marks:fetch`) says
 * which rooms they keep and where they have news. The rooms named on the command line come
 * first, then the rooms kept, then every room and conversation with unread messages (one
 * opened while they were away included), each with its unread and mention counts. Returns
 * what went wrong, to be said once a room is on screen.
 */
export async function restoreRooms(
  host: RestoreHost,
  rooms: readonly string[],
  hooks: RestoreHooks,
): Promise<string | undefined> {
  let asked: AskedSummary | undefined;
  let problem: string | undefined;
  try {
    asked = await fetchSummary(host);
    hooks.unreadAtStart(new Set(asked.summary.unread.map((u) => u.room)));
  } catch (err) {
    problem = `unread messages are not known: ${sanitizeInline((err as Error).message, 120)}`;
  }
  for (const r of rooms) await host.join(r, false);
  if (!asked) return problem;
  for (const room of asked.summary.rooms) await hooks.open(room, { show: false });
  await openUnread(host, asked, hooks, new Set());
  hooks.unreadAtStart(new Set());
  return undefined;
}

/**
 * Opens the rooms and conversations of a summary that have unread messages, with their
 * counts, but those in `open` (a reconnect: what the client had open it resumed itself, and
 * counted what it missed). A conversation someone opened while the connection was down is
 * found this way: nobody could tell this client then.
 */
export async function openUnread(
  host: RestoreHost,
  { summary, without }: AskedSummary,
  hooks: Pick<RestoreHooks, 'open' | 'unread' | 'mentions'>,
  open: ReadonlySet<string>,
): Promise<void> {
  const news = summary.unread.filter((u) => !open.has(u.room));
  for (const u of news) await hooks.open(u.room, { show: false });
  for (const u of news) {
    const state = host.client.rooms.get(u.room);
    if (state) {
      hooks.unread(u.room, ...countsNow(u, state.messages, host.user, without), {
        readTo: u.readTo,
        toSeq: u.lastSeq,
        without,
      });
    }
  }
  hooks.mentions(summary.mentions);
}

/**
 * A room's unread count and the mentions among them that its messages held do not show,
 * once joined: the server's counts (which left out the users in `without`), and what came
 * between its answer and the join (the join brought it as history, so nobody counted it).
 */
export function countsNow(
  u: UnreadRoom,
  held: readonly ChatMessage[],
  user: string | undefined,
  without: ReadonlySet<string> = new Set(),
): [unread: number, hiddenMentions: number] {
  const others = held.filter((m) => m.from !== user && !m.deleted);
  const since = others.filter((m) => m.seq > u.lastSeq).length;
  const counted = others.filter(
    (m) =>
      m.seq <= u.lastSeq &&
      !without.has(m.from) &&
      (u.readTo === undefined || compareIds(m.id, u.readTo) > 0),
  );
  const shown = counted.filter((m) => countsOnTab(m, u.room, user)).length;
  return [u.unread + since, Math.max(0, u.mentions - shown)];
}
