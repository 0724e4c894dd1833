import type { ChatMessage } from '../../../protocol/index.js';
import { directPeer } from '../../../protocol/index.js';

/** Most mentions `/mentions` keeps (the oldest go first). */
export const MENTIONS_KEPT = 50;

/** A message (or an admin notice) that named the user, as `/mentions` lists it. */
export interface MentionRecord {
  /** The room or `@peer` it was said in; undefined for an admin notice to everyone. */
  room: string | undefined;
  ts: number;
  from: string;
  text: string;
}

const patterns = new Map<string, RegExp>();

/**
 * Whether `text` names `user` as a whole word, with or without `@`, in any case. Names are
 * `[a-z0-9_-]` (NAME_PATTERN), so a word boundary is anything outside that set.
 */
export function mentionsUser(text: string, user: string | undefined): boolean {
  if (!user) return false;
  let re = patterns.get(user);
  if (!re) {
    const name = user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(?:^|[^a-z0-9_-])@?${name}(?![a-z0-9_-])`, 'i');
    patterns.set(user, re);
  }
  return re.test(text);
}

/** A message that names the user and is not the user's own: highlighted, rung, listed. */
export function isMention(m: ChatMessage, user: string | undefined): boolean {
  return user !== undefined && m.from !== user && mentionsUser(m.text, user);
}

/**
 * What a tab counts as a mention: in a room, a message naming the user; in a direct
 * conversation, also every message from the peer (it was written to the user).
 */
export function countsOnTab(m: ChatMessage, room: string, user: string | undefined): boolean {
  if (user === undefined || m.from === user) return false;
  return m.from === directPeer(room) || mentionsUser(m.text, user);
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
    { version: number; unread: number; n: number }
  >();

  constructor(
    private readonly user: string | undefined,
    private readonly ring: () => void,
  ) {}

  /** Newest last, at most {@link MENTIONS_KEPT}. */
  get recent(): readonly MentionRecord[] {
    return this.list;
  }

  /** A message new to this client (not history it asked for). */
  arrived(m: ChatMessage, room: string): void {
    if (this.seen.has(m)) return;
    this.seen.add(m);
    if (isMention(m, this.user)) this.add({ room, ts: m.ts, from: m.from, text: m.text });
  }

  /** An operator's notice to everyone. */
  notice(from: string, text: string, ts: number): void {
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
  ): number {
    const memo = this.tabMemo.get(messages);
    if (memo && memo.version === version && memo.unread === unread) return memo.n;
    let n = 0;
    for (let i = messages.length - 1, k = 0; i >= 0 && k < unread; i--, k++) {
      const m = messages[i]!;
      let counts = this.onTab.get(m);
      if (counts === undefined) this.onTab.set(m, (counts = countsOnTab(m, room, this.user)));
      if (counts) n++;
    }
    this.tabMemo.set(messages, { version, unread, n });
    return n;
  }

  private add(r: MentionRecord): void {
    this.list.push(r);
    if (this.list.length > MENTIONS_KEPT) this.list.splice(0, this.list.length - MENTIONS_KEPT);
    this.ring();
  }
}
