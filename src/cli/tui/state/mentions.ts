import {
  countsOnTab,
  directPeer,
  isMention,
  mentionsUser,
  type ChatMessage,
} from '../../../protocol/index.js';
import { unreadTail } from './unread-tail.js';

// The rule lives in the protocol: the server counts mentions for the unread summary with it.
export { countsOnTab, isMention, mentionsUser };

/** Most mentions `/mentions` keeps (the oldest go first). */
export const MENTIONS_KEPT = 50;

/** A message (or an admin notice) that named the user, as `/mentions` lists it. */
export interface MentionRecord {
  /** The room or `@peer` it was said in; undefined for an admin notice to everyone. */
  room: string | undefined;
  ts: number;
  from: string;
  text: string;
  /** The message's id (none for a notice): `/mentions N` jumps to it. */
  id?: string;
}

/**
 * Mentions as they arrive: each message is looked at once (live, by resume, or in the history
 * of a conversation someone opened with us), and a mention is kept for `/mentions` and rings.
 */
export class MentionLog {
  private readonly list: MentionRecord[] = [];
  private readonly seen = new WeakSet<ChatMessage>();
  private readonly onTab = new WeakMap<ChatMessage, boolean>();
  /** By the room's message list: a room joined again is a new list. */
  private readonly tabMemo = new WeakMap<
    readonly ChatMessage[],
    { version: number; unread: number; ignoreRev: number; n: number }
  >();

  constructor(
    private readonly user: string | undefined,
    /** A mention kept, or a message from the peer of a direct conversation: rings. */
    private readonly ring: (why: 'mention' | 'direct', r: MentionRecord) => void,
    /** Users whose messages neither count nor ring (`/ignore`). */
    private readonly ignored: (user: string) => boolean = () => false,
  ) {}

  /** Newest last, at most {@link MENTIONS_KEPT}. */
  get recent(): readonly MentionRecord[] {
    return this.list;
  }

  /** A message new to this client (not history it asked for). */
  arrived(m: ChatMessage, room: string): void {
    if (this.seen.has(m)) return;
    this.seen.add(m);
    if (this.ignored(m.from)) return;
    const r = { room, ts: m.ts, from: m.from, text: m.text, id: m.id };
    if (isMention(m, this.user)) this.add(r);
    // A DM rings as a mention does (but is not listed by `/mentions`).
    else if (m.from !== this.user && m.from === directPeer(room)) this.ring('direct', r);
  }

  /**
   * Messages that may name the user, not news to this moment: those the server found after the
   * user's read markers (`marks:fetch`; `room` named as the user names it), or history the
   * rooms hold. Those that name the user are kept in time order with the rest, each once,
   * ringing nothing.
   */
  merge(messages: Iterable<ChatMessage>): void {
    const have = new Set(this.list.flatMap((r) => (r.id ? [`${r.room} ${r.id}`] : [])));
    const fresh = [...messages]
      .filter((m) => isMention(m, this.user) && !have.has(`${m.room} ${m.id}`))
      .map((m) => ({ room: m.room, ts: m.ts, from: m.from, text: m.text, id: m.id }));
    if (fresh.length === 0) return;
    this.list.push(...fresh);
    this.list.sort((a, b) => a.ts - b.ts);
    if (this.list.length > MENTIONS_KEPT) this.list.splice(0, this.list.length - MENTIONS_KEPT);
  }

  /** An operator's notice to everyone. */
  notice(from: string, text: string, ts: number): void {
    if (this.ignored(from)) return;
    if (mentionsUser(text, this.user)) this.add({ room: undefined, ts, from, text });
  }

  /**
   * Unread messages of a room that count as mentions on its tab (the last `unread`). Every
   * tab asks on every redraw: the count is kept until the room's messages or unread change.
   */
  unreadOnTab(
    room: string,
    messages: readonly ChatMessage[],
    unread: number,
    version: number,
    /** The ignore list's revision: a change of it recounts. */
    ignoreRev = 0,
  ): number {
    const memo = this.tabMemo.get(messages);
    if (memo && memo.version === version && memo.unread === unread && memo.ignoreRev === ignoreRev)
      return memo.n;
    let n = 0;
    for (let i = unreadTail(messages, unread, this.user).from; i < messages.length; i++) {
      const m = messages[i]!;
      if (m.from === this.user) continue;
      let counts = this.onTab.get(m);
      if (counts === undefined) this.onTab.set(m, (counts = countsOnTab(m, room, this.user)));
      if (counts && !this.ignored(m.from)) n++;
    }
    this.tabMemo.set(messages, { version, unread, ignoreRev, n });
    return n;
  }

  /**
   * A mention that arrived (once: see {@link arrived}) rings; it is listed unless it is already
   * (the server's summary can list it before the resume that brings it has: it rings all the
   * same, as news to this client).
   */
  private add(r: MentionRecord): void {
    if (!r.id || !this.list.some((x) => x.id === r.id && x.room === r.room)) {
      this.list.push(r);
      if (this.list.length > MENTIONS_KEPT) this.list.splice(0, this.list.length - MENTIONS_KEPT);
    }
    this.ring('mention', r);
  }
}
