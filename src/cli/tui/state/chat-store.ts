import type { ConnectionState } from '../../../client/chat-client.js';
import {
  NAME_PATTERN,
  directAddress,
  compareIds,
  directPeer,
  type ChatMessage,
  type Notice,
  roomLabel,
} from '../../../protocol/index.js';
import { sanitizeInline, sanitizeText } from '../../sanitize.js';
import type { ChatPort } from './chat-port.js';
import { completionSource, type CompletionSource } from './completion.js';
import { connectionLabel, type ConnectionLabel } from './connection-label.js';
import {
  buildEntries,
  UNLOADED_KEY,
  type Entry,
  type LocalLine,
  type QueuedMessage,
} from './entries.js';
import { MentionLog, type MentionRecord } from './mentions.js';
import { MessageTools } from './message-tools.js';
import { IgnoreList, type IgnoreStore } from './ignore-list.js';
import { notifySequence, type NotifyStyle } from './notify.js';
import { Rings } from './rings.js';
import { PresenceLines } from './presence-lines.js';
import { AwayNotices } from './away-notices.js';
import { LocalLines } from './local-lines.js';
import { offsetOf, visibleWindow, type PaneLayout, type ScrollAnchor } from './pane-layout.js';
import { PasteSender, type Entered, type PasteQuestion } from './paste.js';
import { Scrolls } from './scrolls.js';
import { nextUnreadRoom, tabIndex } from './tabs.js';
import { ReadMarkers, unreadAfter } from './read-marks.js';
import { unreadTail } from './unread-tail.js';
import {
  fetchSummary,
  openUnread,
  restoreRooms,
  type AskedSummary,
  type RestoreHooks,
  type ServerCount,
} from './restore.js';
import { TypingOut } from './typing-out.js';
import { parseInput, runInput } from '../slash/registry.js';
import type { CommandHost } from '../slash/types.js';

export interface RoomTab {
  /** A room name, or `@peer` for a direct conversation. */
  name: string;
  direct: boolean;
  unread: number;
  /** Unread messages that name the user (in a direct conversation: every one from the peer). */
  mentions: number;
  active: boolean;
}

/** Everything the views draw, as plain data. A new object whenever something changed. */
export interface Snapshot {
  server: string;
  user: string | undefined;
  instanceId: string | undefined;
  rttMs: number | undefined;
  connection: ConnectionState;
  label: ConnectionLabel;
  /** The last thing that happened to the connection, in words; cleared when it goes down. */
  status: string | undefined;
  tabs: RoomTab[];
  active: string | undefined;
  entries: Entry[];
  /** Where the pane is scrolled up to (undefined: at the bottom), and messages below since. */
  scroll: ScrollAnchor | undefined;
  newBelow: number;
  /** Up to 100 names (the server caps the list) and how many are online in all. */
  members: string[];
  memberCount: number;
  typing: string[];
  /** Pasted lines waiting for the user's yes before they are sent. */
  paste: (PasteQuestion & { room: string | undefined }) | undefined;
  /** The help overlay is open (`/help`). */
  help: boolean;
  quitting: boolean;
  /** Text offered for the input line (`/edit`, Alt-E); `n` tells one offer from the next. */
  draft: { text: string; n: number } | undefined;
}

export interface ChatStoreOptions {
  user?: string | undefined;
  now?: () => number;
  /** How often time-based text (countdowns, typing) is refreshed; 0 disables. */
  tickMs?: number;
  /** Whether a message naming the user rings the terminal bell (the `bell` setting). */
  bell?: 'mentions' | 'off';
  /** Desktop notifications for mentions and DMs out of view (the `notify` setting). */
  notify?: NotifyStyle;
  /** Draw http(s) links as OSC 8 hyperlinks (the `links` setting, for this terminal). */
  links?: boolean;
  /** Where `/ignore` keeps its list (the client's settings); none: kept for this run only. */
  ignore?: IgnoreStore;
}

const NAME_RULE = 'use a-z, 0-9, _ and - (up to 32)';

const GLOBAL = '';
const safeId = (id: string | undefined): string | undefined =>
  id === undefined ? undefined : sanitizeInline(id, 40);

/** The messages among the lines waiting their turn (`/me` too), as the pane shows them. */
function queuedMessages(lines: readonly Entered[]): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const e of lines) {
    const input = parseInput(e.line);
    const said =
      input.type === 'message'
        ? { text: input.text, kind: 'text' as const }
        : input.type === 'command' && input.command.message
          ? { text: input.command.message(input.args), kind: input.command.messageKind ?? 'text' }
          : undefined;
    if (said && said.text.trim() !== '') out.push({ n: e.n, room: e.room, at: e.at, ...said });
  }
  return out;
}

/**
 * The TUI's state, with no React: it listens to a chat client, keeps what the screen needs
 * beyond the client's rooms (tabs, the client's own lines, scroll positions, input history)
 * and offers the actions the views call. Views subscribe and draw {@link Snapshot}s.
 */
export class ChatStore implements CommandHost {
  private readonly listeners = new Set<() => void>();
  private snap: Snapshot | undefined;
  /** The pane's entries and what they were built from: rebuilt only when one of those changed. */
  private entriesMemo: { key: readonly unknown[]; entries: Entry[] } | undefined;
  private outgoingRev = 0;
  private readonly order: string[] = [];
  private active: string | undefined;
  private readonly local = new LocalLines();
  private readonly scrolls = new Scrolls();
  private readonly cleared = new Map<string, { id: string | undefined; n: number }>();
  private readonly history: string[] = [];
  private readonly mentions: MentionLog;
  private readonly rings: Rings;
  /** Rings are held from a lost connection until the reconnect has caught up. */
  private catchingUp = false;
  /** Read markers, the unread-marker line, and unread mentions beyond what rooms hold. */
  private readonly reads: ReadMarkers;
  private readonly hiddenMentions = new Map<string, number>();
  /** Rooms whose unread count is still partly the server's (see {@link unreadCount}). */
  private readonly serverCounts = new Map<string, ServerCount>();
  /** Recounts asked for after a change of the ignore list (see {@link countsFromServer}). */
  private countAsks = 0;
  /** A tab's count from those, until the room, its count or the ignore list change. */
  private readonly countMemo = new Map<
    string,
    { version: number; unread: number; rev: number; counted: ServerCount; n: number }
  >();
  private readonly presence = new PresenceLines();
  private readonly awayNotices: AwayNotices;
  /** While starting: rooms the server says have unread messages (a join must not read them). */
  private unreadAtStart: ReadonlySet<string> = new Set();
  /** Started, and the connection went down since: the next connect asks what is new. */
  private started = false;
  private wasDown = false;
  private status: string | undefined;
  private stateSince: number;
  private quitting = false;
  private helpOpen = false;
  private readonly pastes: PasteSender;
  private notifyPending = false;
  private readonly typingOut: TypingOut;
  private readonly offs: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly user: string | undefined;
  /** Called once when the user asks to quit. */
  onQuit: (() => void) | undefined;
  /** Rings the terminal bell (the view writes BEL through Ink's stdout). */
  onBell: (() => void) | undefined;
  /** Writes an escape sequence asking for a desktop notification (as `onBell`). */
  onNotify: ((sequence: string) => void) | undefined;
  /** Users whose messages and DMs are hidden (`/ignore`). */
  readonly ignoring: IgnoreList;
  /** Links are drawn as OSC 8 hyperlinks. */
  readonly links: boolean;
  /** Edit, delete, search and jump (see message-tools.ts). */
  readonly tools = new MessageTools(this);
  private draft: Snapshot['draft'];

  constructor(
    readonly client: ChatPort,
    opts: ChatStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.user = opts.user;
    this.stateSince = this.now();
    this.pastes = new PasteSender(this, () => this.changed(), this.now);
    this.typingOut = new TypingOut(client, this.now);
    const bell = opts.bell ?? 'mentions';
    const notify = opts.notify ?? 'off';
    this.ignoring = new IgnoreList(opts.ignore);
    this.links = opts.links ?? false;
    this.awayNotices = new AwayNotices(client, (room, text) => this.addLine(room, 'notice', text));
    this.rings = new Rings({
      bell: () => {
        if (bell !== 'off') this.onBell?.();
      },
      notify: (title, body) => {
        if (notify !== 'off') this.onNotify?.(notifySequence(notify, title, body));
      },
      inView: (room) => room === this.active,
    });
    this.mentions = new MentionLog(
      this.user,
      (why, r) => this.rings.ring(why, r),
      (u) => this.ignoring.has(u),
    );
    this.reads = new ReadMarkers(client);
    const c = client;
    this.offs.push(
      c.on('state', (state) => {
        this.stateSince = this.now();
        if (state.kind === 'reconnecting') {
          this.wasDown = this.started;
          // What the reconnect recovers rings once, when it has all come back.
          if (this.started && !this.catchingUp) {
            this.catchingUp = true;
            this.rings.hold();
          }
        }
        if (state.kind === 'connected' && this.wasDown) {
          this.wasDown = false;
          void this.newSinceReconnect();
        }
        // One status at a time: what happened to the last connection is stale once it is down.
        if (state.kind !== 'connected') this.status = undefined;
        this.changed();
      }),
      c.on('message', (m) => {
        // Scrolled up, the view is anchored to an entry and stays put; count what is new.
        const newest = this.client.rooms.get(m.room)?.messages.at(-1) === m;
        // A conversation whose peer was ignored when it opened gets its tab once they are not.
        const peer = directPeer(m.room);
        if (peer && !this.order.includes(m.room) && !this.ignoring.has(peer)) this.opened(m.room);
        if (newest) this.scrolls.arrived(m.room);
        // Unread is counted for live (and missed) messages only: history does not ring.
        const unread = (this.client.rooms.get(m.room)?.unread ?? 0) > 0;
        if (newest && unread) this.mentions.arrived(m, m.room);
        // In view: read (the server is told, and so the user's other clients).
        if (m.room === this.active) this.reads.seen(m.room);
        this.changed();
      }),
      c.on('mark', (room, id) => this.markedElsewhere(room, id)),
      c.on('opened', (room) => this.opened(room)),
      c.on('room', (name) => {
        this.presenceChanged(name);
        this.changed();
      }),
      c.on('outgoing', () => {
        this.outgoingRev++;
        this.changed();
      }),
      c.on('rtt', () => this.changed()),
      // The room draws the gap itself, where it is.
      c.on('gap', (room, gap) => {
        // The room's history was reset on the server: what was counted unread of the old one,
        // and its mentions not held here, mean nothing now.
        if (gap.reset) {
          this.serverCounts.delete(room);
          this.hiddenMentions.delete(room);
        }
        this.changed();
      }),
      c.on('status', (text) => {
        // It names instances and carries error messages: remote text.
        this.status = sanitizeInline(text, 200);
        this.addEverywhere('status', this.status);
      }),
      c.on('notice', (n) => this.onNotice(n)),
    );
    const tick = opts.tickMs ?? 1000;
    if (tick > 0) {
      this.timer = setInterval(() => {
        // Countdowns move; typing lines appear and also expire (the drawn one must go).
        const drawnTyping = (this.snap?.typing.length ?? 0) > 0;
        if (
          this.client.state.kind === 'reconnecting' ||
          drawnTyping ||
          this.activeTyping().length > 0 ||
          (this.presence.pending && this.leavesDue())
        )
          this.changed();
      }, tick);
      this.timer.unref();
    }
  }

  // --- subscription (useSyncExternalStore) ---

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): Snapshot => (this.snap ??= this.build());

  /**
   * Something changed: the snapshot is rebuilt when next asked for, and listeners hear of it
   * once per turn of the event loop (a resume can bring hundreds of messages in one go).
   */
  private changed(): void {
    this.snap = undefined;
    const room = this.active ? this.client.rooms.get(this.active) : undefined;
    if (room && room.unread > 0) {
      room.unread = 0;
      this.serverCounts.delete(this.active!);
    }
    if (this.notifyPending) return;
    this.notifyPending = true;
    setImmediate(() => {
      this.notifyPending = false;
      for (const fn of [...this.listeners]) fn();
    });
  }

  private build(): Snapshot {
    const c = this.client;
    const room = this.active ? c.rooms.get(this.active) : undefined;
    const scroll = this.active ? this.scrolls.get(this.active) : undefined;
    const local = this.local.get(this.active ?? GLOBAL);
    const clearedAfter = this.active ? this.cleared.get(this.active) : undefined;
    const marker = this.active ? this.reads.line(this.active) : undefined;
    // A round-trip figure, typing or a status line must not rebuild every line of the pane.
    const key = [
      room,
      room?.version,
      this.outgoingRev,
      local,
      this.local.lineNo,
      clearedAfter,
      this.user,
      marker,
      this.ignoring.rev,
      this.pastes.revision,
    ];
    const memo = this.entriesMemo;
    const entries =
      memo && memo.key.every((v, i) => v === key[i])
        ? memo.entries
        : buildEntries({
            room,
            user: this.user,
            outgoing: c.outgoing.values(),
            queued: queuedMessages(this.pastes.waitingLines),
            local: local ?? [],
            clearedAfter,
            marker,
            hide: (from) => this.ignoring.has(from),
          });
    this.entriesMemo = { key, entries };
    return {
      server: c.server,
      user: this.user,
      // Only a live connection has an instance: the last one's name would read as connected.
      instanceId: safeId(c.state.kind === 'connected' ? c.state.instanceId : undefined),
      rttMs: c.rttMs,
      connection: c.state,
      label: connectionLabel(c.state, this.stateSince, this.now()),
      status: this.status,
      tabs: this.order.map((name) => {
        const unread = this.unreadCount(name);
        return {
          name,
          direct: directPeer(name) !== undefined,
          unread,
          mentions: this.unreadMentions(name),
          active: name === this.active,
        };
      }),
      active: this.active,
      entries,
      scroll: scroll?.anchor,
      newBelow: scroll?.newBelow ?? 0,
      members: [...(room?.members ?? [])].sort().map((m) => sanitizeInline(m, 32)),
      memberCount: Math.max(room?.memberCount ?? 0, room?.members.length ?? 0),
      typing: this.activeTyping().map((u) => sanitizeInline(u, 32)),
      paste: this.pastes.question && { ...this.pastes.question, room: this.active },
      help: this.helpOpen,
      quitting: this.quitting,
      draft: this.draft,
    };
  }

  private unreadMentions(name: string): number {
    const r = this.client.rooms.get(name);
    if (!r || name === this.active || r.unread === 0) return 0;
    // Among as many of the newest held messages as the tab counts unread.
    const held = this.mentions.unreadOnTab(
      name,
      r.messages,
      this.unreadCount(name),
      r.version,
      this.ignoring.rev,
    );
    return held + (this.hiddenMentions.get(name) ?? 0);
  }

  /**
   * Unread messages on a tab, leaving out those of ignored users. What the server counted at
   * the start (or after a reconnect) left out the users ignored then, messages this client
   * does not hold included; of the held ones it counted, those of a user ignored or shown
   * again since are taken out or put back. What came after its count was counted here whoever
   * sent it, and those of ignored users are taken out.
   */
  private unreadCount(name: string): number {
    const r = this.client.rooms.get(name);
    if (!r || name === this.active) return 0;
    let n = r.unread;
    const counted = this.serverCounts.get(name);
    if (counted) {
      const memo = this.countMemo.get(name);
      const { version, unread } = r;
      const rev = this.ignoring.rev;
      if (
        memo?.counted === counted &&
        memo.version === version &&
        memo.unread === unread &&
        memo.rev === rev
      )
        return memo.n;
      for (const m of r.messages) {
        if (m.from === this.user || m.deleted) continue;
        const now = this.ignoring.has(m.from);
        if (m.seq > counted.toSeq) {
          if (now) n--;
        } else if (counted.readTo === undefined || compareIds(m.id, counted.readTo) > 0) {
          if (now !== counted.without.has(m.from)) n += now ? -1 : 1;
        }
      }
      n = Math.max(0, n);
      this.countMemo.set(name, { version, unread, rev, counted, n });
      return n;
    }
    if (this.ignoring.size === 0) return n;
    const list = r.messages;
    for (let i = unreadTail(list, r.unread, this.user).from; i < list.length; i++)
      if (list[i]!.from !== this.user && this.ignoring.has(list[i]!.from)) n--;
    return n;
  }

  /**
   * Another client of the user read a room up to `id`: what this one counts unread there is
   * what follows it (when the room holds the marker's place).
   */
  private markedElsewhere(room: string, id: string): void {
    this.reads.heard(room, id);
    if (this.recount(room)) this.changed();
  }

  /**
   * A room not in view counted again from the read marker this client knows, when its window
   * holds the marker (then every unread message is held, so no mention is hidden). False when
   * it could not say.
   */
  private recount(room: string): boolean {
    const r = this.client.rooms.get(room);
    const mark = this.reads.get(room);
    if (!r || mark === undefined || room === this.active) return false;
    const left = unreadAfter(r, mark, this.user);
    if (left === undefined) return false;
    r.unread = left;
    this.serverCounts.delete(room);
    this.hiddenMentions.delete(room);
    return true;
  }

  /** Join and leave lines for a room's new member list (see presence-lines.ts). */
  private presenceChanged(name: string): void {
    const r = this.client.rooms.get(name);
    if (!r || directPeer(name) !== undefined) return;
    const skip = (u: string): boolean => this.ignoring.has(u);
    // Looked at even while the room is being joined (not a tab yet): the join's list is the
    // one the next change is told against.
    const lines = this.presence.changes(r, this.user, this.now(), skip);
    if (this.order.includes(name)) {
      for (const line of lines) this.addLine(name, 'info', sanitizeInline(line, 48));
    }
    this.leavesDue();
  }

  /** Says the leaves whose grace is over (see presence-lines.ts); true if it said any. */
  private leavesDue(): boolean {
    let said = false;
    for (const { room, line, at, after } of this.presence.due(this.now())) {
      if (!this.order.includes(room)) continue;
      this.local.add(room, 'info', sanitizeInline(line, 48), at, after);
      said = true;
    }
    return said;
  }

  /** Someone wrote to us in a conversation we had not open: a tab, without switching to it. */
  private opened(room: string): void {
    // An ignored user's DMs open nothing (the client holds the conversation, unseen).
    const peer = directPeer(room);
    if (peer && this.ignoring.has(peer)) return;
    if (!this.order.includes(room)) this.order.push(room);
    // The client counted what is new in it as unread (the join brought it as history).
    const r = this.client.rooms.get(room);
    const news: ChatMessage[] = r
      ? r.messages
          .slice(unreadTail(r.messages, r.unread, this.user).from)
          .filter((m) => m.from !== this.user)
      : [];
    this.rings.batch(() => {
      for (const m of news) this.mentions.arrived(m, room);
    });
    this.changed();
  }

  /**
   * Who is typing in the active room: nobody while the connection is down (after a reconnect
   * the client has forgotten the marks heard before, whose "stopped" may have been missed).
   */
  private activeTyping(): string[] {
    const room = this.active ? this.client.rooms.get(this.active) : undefined;
    if (!room || this.client.state.kind !== 'connected') return [];
    return room.typingUsers(this.now()).filter((u) => u !== this.user);
  }

  // --- the client's own lines ---

  private addLine(room: string, tone: LocalLine['tone'], text: string): void {
    const newest = this.client.rooms.get(room)?.messages.at(-1)?.id;
    this.local.add(room, tone, text, this.now(), newest);
    this.changed();
  }

  /** A line on the current screen (the active room, or the lobby screen before any room). */
  info(text: string, tone: LocalLine['tone'] = 'info'): void {
    this.addLine(this.active ?? GLOBAL, tone, text);
  }

  private addEverywhere(tone: LocalLine['tone'], text: string): void {
    if (this.order.length === 0) this.addLine(GLOBAL, tone, text);
    for (const room of this.order) this.addLine(room, tone, text);
  }

  private onNotice(n: Notice): void {
    const text = sanitizeText(n.text).replace(/\n/g, ' / '); // whole: the server bounds it
    this.mentions.notice(n.from, n.text, n.ts || this.now());
    this.addEverywhere('notice', `[broadcast from ${sanitizeInline(n.from, 32)}] ${text}`);
  }

  // --- actions ---

  /** The users `/ignore` hides (the server leaves them out of the unread counts it gives). */
  ignoredUsers(): readonly string[] {
    return this.ignoring.list;
  }

  /**
   * Joins the rooms given on the command line, then opens what the server keeps for the user
   * (rooms joined before, rooms and conversations with unread messages, with their counts),
   * and shows the first room named.
   */
  async start(rooms: string[]): Promise<void> {
    const problem = await restoreRooms(this, rooms, {
      ...this.restoreHooks,
      unreadAtStart: (set) => (this.unreadAtStart = set),
    });
    this.started = true;
    const first = rooms[0] === undefined ? -1 : this.order.indexOf(rooms[0].replace(/^#/, ''));
    if (first >= 0) this.switchTo(first);
    else if (!this.active && this.order.length > 0) this.switchTo(0);
    if (problem) this.info(problem, 'error');
  }

  /** How a start (and a reconnect) opens what the server says is unread. */
  private readonly restoreHooks: Omit<RestoreHooks, 'unreadAtStart'> = {
    open: (room, opts) => this.open(room, opts),
    unread: (room, unread, hidden, counted) => {
      const r = this.client.rooms.get(room);
      if (r) r.unread = unread;
      this.serverCounts.set(room, counted);
      if (hidden > 0) this.hiddenMentions.set(room, hidden);
      else this.hiddenMentions.delete(room);
      // Read further since the server counted (on another of the user's terminals, heard
      // while the room was being opened, or in the join's answer): counted from there.
      const mark = this.reads.get(room);
      const { readTo } = counted;
      if (mark !== undefined && (readTo === undefined || compareIds(mark, readTo) > 0)) {
        this.recount(room);
      }
    },
    mentions: (list) => this.mentions.merge(list),
  };

  /**
   * Back after a lost connection: the rooms open were resumed by the client; a conversation
   * someone opened meanwhile was told to nobody, so the server is asked.
   */
  private async newSinceReconnect(): Promise<void> {
    try {
      await openUnread(this, await fetchSummary(this), this.restoreHooks, new Set(this.order));
    } catch {
      // Down again: the next connect asks again. (Refused while connected, a Redis failover
      // say, it is not asked again: what the rooms' resume brings is still told below.)
      if (this.client.state.kind !== 'connected') this.wasDown = true;
    }
    // The rooms' resume (begun before the connection was told) has recovered what it missed.
    await this.client.settled();
    if (this.catchingUp && this.client.state.kind === 'connected' && !this.wasDown) {
      this.catchingUp = false;
      this.rings.release();
    }
    this.changed();
  }

  /**
   * `/join <room>`, or `/join @user` (as `/query`). True when the room is open (and, unless
   * `show` is false, active). The server keeps it for the user's next start.
   */
  async join(name: string | undefined, show = true): Promise<boolean> {
    if (!name) {
      this.info('usage: /join <room> (or /join @user for a direct conversation)', 'error');
      return false;
    }
    if (name.startsWith('@')) return this.query(name, undefined, show);
    const room = name.replace(/^#/, '');
    if (!NAME_PATTERN.test(room)) {
      this.info(`"${sanitizeInline(name, 40)}" is not a room name: ${NAME_RULE}`, 'error');
      return false;
    }
    return this.open(room, { show, remember: true });
  }

  /** `/query <user>`: opens the direct conversation with the user and switches to it. */
  async query(user: string | undefined, usage = '/query <user>', show = true): Promise<boolean> {
    const address = this.directTo(user, usage);
    return address !== undefined && this.open(address, { show, remember: true });
  }

  /** `/msg <user> <text>`: opens the conversation with the user, switches to it, sends. */
  async msg(user: string | undefined, text: string): Promise<void> {
    const usage = '/msg <user> <text>';
    if (this.directTo(user, usage) === undefined) return;
    if (text.trim() === '') return this.info(`usage: ${usage}`, 'error');
    if (await this.query(user, usage)) await this.say(text, 'text');
  }

  /** `@user` for a valid user name (with or without its `@`), else a line saying why. */
  private directTo(user: string | undefined, usage: string): string | undefined {
    if (!user) {
      this.info(`usage: ${usage}`, 'error');
      return undefined;
    }
    const name = user.replace(/^@/, '');
    if (!NAME_PATTERN.test(name)) {
      this.info(`"${sanitizeInline(name, 40)}" is not a user name: ${NAME_RULE}`, 'error');
      return undefined;
    }
    return directAddress(name);
  }

  /**
   * Opens a room (joins it) unless open; `show`: and switches to it. `remember`: the user
   * asked for it, so the server keeps it for the next start, and a room they never read is
   * read as far as it goes now (its history is not news to them).
   */
  private async open(
    room: string,
    opts: { show?: boolean; remember?: boolean } = {},
  ): Promise<boolean> {
    if (!this.order.includes(room)) {
      try {
        const state = await this.client.join(room, undefined, { remember: opts.remember });
        this.reads.heard(room, state.readTo);
        if (opts.remember && state.readTo === undefined && !this.unreadAtStart.has(room))
          this.reads.seen(room);
      } catch (err) {
        const why = sanitizeInline((err as Error).message, 120);
        this.info(
          `cannot ${directPeer(room) ? 'open' : 'join'} ${roomLabel(room)}: ${why}`,
          'error',
        );
        return false;
      }
      if (!this.order.includes(room)) this.order.push(room);
    }
    if (opts.show ?? true) this.switchTo(this.order.indexOf(room));
    else this.changed();
    return true;
  }

  async leave(name: string | undefined): Promise<void> {
    const room = name?.replace(/^#/, '') ?? this.active;
    if (!room || !this.order.includes(room)) return this.info(`you are not in that room`, 'error');
    if (this.typingOut.room === room) this.typing(false);
    try {
      await this.client.leave(room);
    } catch (err) {
      return this.info(
        `cannot leave ${roomLabel(room)}: ${sanitizeInline((err as Error).message, 120)}`,
        'error',
      );
    }
    const i = this.order.indexOf(room);
    this.order.splice(i, 1);
    this.local.drop(room);
    // Joined again, the room starts afresh: nothing of it is hidden.
    this.cleared.delete(room);
    this.scrolls.drop(room);
    this.reads.drop(room);
    this.presence.drop(room);
    this.hiddenMentions.delete(room);
    this.serverCounts.delete(room);
    this.countMemo.delete(room);
    if (this.active === room) this.active = this.order[Math.min(i, this.order.length - 1)];
    this.info(
      this.active ? `left ${roomLabel(room)}` : `you left ${roomLabel(room)}; /join a room to chat`,
    );
    this.changed();
  }

  switchTo(index: number): void {
    const name = this.order[index];
    if (name === undefined) return;
    if (name !== this.active) {
      this.typing(false);
      // Leaving a room: what was seen there is told now; coming to one fixes its marker line.
      if (this.active) this.reads.seen(this.active, true);
      this.reads.enter(name, this.client.rooms.get(name), this.user);
      this.hiddenMentions.delete(name);
    }
    this.active = name;
    this.reads.seen(name);
    this.changed();
  }

  switchBy(delta: number): void {
    if (this.order.length === 0) return;
    const i = this.active ? this.order.indexOf(this.active) : 0;
    this.switchTo((i + delta + this.order.length) % this.order.length);
  }

  /** `/window N`: the room of tab N (counted from 1, as the tab bar shows). */
  window(arg: string | undefined): void {
    const index = tabIndex(arg, this.order.length);
    if (typeof index === 'string') return this.info(index, 'error');
    this.switchTo(index);
  }

  /**
   * Alt-A / Ctrl-X: the next room (after the active one, wrapping) that names the user in an
   * unread message, else the next with any unread.
   */
  nextUnread(): void {
    const next = nextUnreadRoom(
      this.order,
      this.active,
      (r) => this.unreadCount(r),
      (r) => this.unreadMentions(r),
    );
    if (next === undefined) return this.info('no other room has unread messages');
    this.switchTo(this.order.indexOf(next));
  }

  /**
   * Scrolls the active room by pages (positive: back in time) of the pane as drawn: `layout`
   * holds the rows each entry takes at the pane's width, `height` the pane's rows.
   */
  scroll(pages: number, layout: PaneLayout, height: number): void {
    if (!this.active) return;
    const room = this.active;
    const inView = (): string[] => {
      const offset = offsetOf(this.scrolls.get(room)?.anchor, layout, height);
      const { from, to } = visibleWindow(layout, offset, height);
      return layout.keys.slice(from, to);
    };
    // What was in view counts too: a page down can go past a mark that was on screen.
    const seen = new Set(inView());
    const atTop = this.scrolls.scroll(room, pages, layout, height);
    if (atTop && this.cleared.has(room)) {
      // Up past the top of a cleared screen: what /clear hid comes back, as a terminal's
      // scrollback does after Ctrl-L (older history loads from there as usual).
      this.unclear(room);
      return;
    }
    if (this.client.state.kind === 'connected') {
      // At the top: fetch older history from the server.
      if (atTop) {
        this.client.loadOlder(room).then(
          (n) => n > 0 && this.changed(),
          () => undefined,
        );
      }
      // A place not loaded (between history loaded around a search hit and the rest) in view,
      // before or after the scroll: load it from the side the user comes from, as scrolling to
      // the top loads older ones.
      for (const key of inView()) seen.add(key);
      for (const key of seen) {
        if (key.startsWith(UNLOADED_KEY))
          this.fill(room, Number(key.slice(UNLOADED_KEY.length)), pages);
      }
    }
    this.changed();
  }

  /**
   * Loads a page of the place not loaded after `afterSeq`. Scrolling up it reads back from the
   * newer side (the page appears above the view's bottom, where the mark was); scrolling down
   * it reads on from the older side, and the view is put with the first message loaded at its
   * bottom, so that the next page down goes on through them.
   */
  private fill(room: string, afterSeq: number, pages: number): void {
    const side = pages > 0 ? 'newer' : 'older';
    this.client.fillUnloaded(room, afterSeq, side).then(
      (n) => {
        if (n === 0) return;
        // Only where the user still is: not after End, a send, or another room.
        if (side === 'older' && this.active === room && this.scrolls.get(room)) {
          const first = this.client.rooms.get(room)?.messages.find((m) => m.seq > afterSeq);
          if (first) this.scrolls.anchorTo(room, first.id);
        }
        this.changed();
      },
      () => undefined,
    );
  }

  scrollToEnd(): void {
    if (this.active) this.scrolls.drop(this.active);
    this.changed();
  }

  /** Input history, newest last, for Up/Down. */
  get inputHistory(): readonly string[] {
    return this.history;
  }

  /** Tells the active room we are typing (throttled), or the room told so that we stopped. */
  typing(active: boolean): void {
    this.typingOut.set(active ? this.active : undefined);
  }

  /**
   * What Enter does with the input line: a message, or a command (slash/). While lines
   * entered before it are still going out one by one (a paste), it waits its turn behind them.
   */
  submit(line: string): Promise<void> {
    return this.pastes.busy ? this.pastes.after(line) : this.enter(line);
  }

  /**
   * Runs an entered line now (see {@link submit}), as entered in `room`: a line that waited its
   * turn behind others (paste.ts) runs in the room it was entered in, even if the user has
   * moved to another since.
   */
  enter(line: string, room: string | undefined = this.active): Promise<void> {
    if (line.trim() !== '' && this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > 100) this.history.shift();
    if (room !== this.active) return runInput(this.enteredIn(room), line);
    // What was entered is answered at the bottom (a command's lines, an error): show it there,
    // as a message sent is, rather than below a pane scrolled up. A command that shows a
    // place of its own (a search hit) moves there after this.
    if (line.trim() !== '') this.scrollToEnd();
    return runInput(this, line);
  }

  /**
   * The store as a line entered in `room` sees it when it runs after the user has moved to
   * another room: its message goes to `room`, and a command acts on `room` (`/me`, `/part`,
   * `/edit`, `/who`, `/clear`) and answers there, not in the room now on screen. What is not
   * about a room (joining, `/msg`, `/window`, ignoring) is the store's own. A `/search` among
   * such lines searches `room` afresh, so `/search` alone or `/jump` among them finds no
   * search to go on with (they say so).
   */
  private enteredIn(room: string | undefined): CommandHost {
    // Answered in its room, or on the screen now if the user has left that room meanwhile.
    const info = (text: string, tone: LocalLine['tone'] = 'info'): void =>
      room !== undefined && this.order.includes(room)
        ? this.addLine(room, tone, text)
        : this.info(text, tone);
    const joined = (): readonly string[] => this.joined;
    const mentions = (): readonly MentionRecord[] => this.recentMentions;
    const user = (): string | undefined => this.user;
    return {
      client: this.client,
      activeRoom: room,
      get joined() {
        return joined();
      },
      get recentMentions() {
        return mentions();
      },
      tools: new MessageTools({
        client: this.client,
        activeRoom: room,
        get user() {
          return user();
        },
        info,
        offerDraft: (text) => this.offerDraft(text),
        showMessage: (r, id) => this.showMessage(r, id),
      }),
      loadMentions: () => this.loadMentions(),
      jumpTo: (r, id) => this.jumpTo(r, id),
      info,
      say: (text, kind) => this.sayIn(room, text, kind, info),
      join: (name) => this.join(name),
      query: (user) => this.query(user),
      msg: (user, text) => this.msg(user, text),
      leave: (name) => this.leave(name ?? room ?? ''),
      ignore: (name, on) => this.ignore(name, on),
      ignoring: this.ignoring,
      window: (arg) => this.window(arg),
      clearScreen: () => this.clearIn(room),
      showHelp: (open) => this.showHelp(open),
      quit: () => this.quit(),
    };
  }

  /** Lines entered at once (a paste): see paste.ts. */
  submitLines(lines: string[]): Promise<void> {
    return this.pastes.submit(lines);
  }

  /**
   * Enter on a line whose message is over the limit: asks whether to send it in parts
   * (true), rather than letting it be cut or refused; false when the line fits.
   */
  askSplit(line: string): boolean {
    return this.pastes.askSplit(line);
  }

  /** A long bracketed paste: asks whether to send it as one message (see paste.ts). */
  askPaste(text: string): void {
    this.pastes.askPaste(text);
  }

  /** The question waiting for the user's answer, if any. */
  get pasteQuestion(): PasteQuestion | undefined {
    return this.pastes.question;
  }

  /** Whether a paste waits for the user's answer. */
  get pasteWaiting(): boolean {
    return this.pastes.question !== undefined;
  }

  /** The answer to the paste question: send every line, or none (and say so). */
  answerPaste(send: boolean): Promise<void> {
    return this.pastes.answer(send);
  }

  /** The room on screen. */
  get activeRoom(): string | undefined {
    return this.active;
  }

  /** Joined rooms and open direct conversations (`@peer`), in tab order. */
  get joined(): readonly string[] {
    return this.order;
  }

  /** Recent messages and notices that named the user, newest last (`/mentions`). */
  get recentMentions(): readonly MentionRecord[] {
    return this.mentions.recent;
  }

  /**
   * See {@link CommandHost.loadMentions}: asks the server (on failure says so), and takes in
   * those in the history the rooms hold too, so every highlighted line is listed.
   */
  async loadMentions(): Promise<readonly MentionRecord[]> {
    this.mentions.merge([...this.client.rooms.values()].flatMap((r) => r.messages));
    try {
      this.mentions.merge((await this.client.fetchMarks(this.ignoring.list)).mentions);
    } catch (err) {
      const why = sanitizeInline((err as Error).message, 120);
      this.info(
        `the server's list of mentions is not available (${why}): those heard here`,
        'error',
      );
    }
    return this.mentions.recent;
  }

  /** See {@link CommandHost.jumpTo}. */
  async jumpTo(room: string, id: string | undefined): Promise<void> {
    if (!(await this.open(room, { show: true }))) return;
    const r = this.client.rooms.get(room);
    if (id === undefined || !r) return;
    if (!r.has(id)) {
      return this.info('that message is older than what this room holds: PgUp loads older ones');
    }
    this.revealCleared(room, id);
    if (r.messages.at(-1)?.id !== id) this.scrolls.anchorTo(room, id, id);
    this.changed();
  }

  /** What Tab completes: commands, the active room's members (a DM's peer), known users. */
  completions(): CompletionSource {
    const members = (room: string): readonly string[] => this.client.rooms.get(room)?.members ?? [];
    return completionSource(this.active, this.order, members, this.user);
  }

  say(text: string, kind: 'text' | 'action'): Promise<void> {
    return this.sayIn(this.active, text, kind, (t, tone) => this.info(t, tone));
  }

  /** Sends a message to `room` (see {@link enter}); `info` answers where it was entered. */
  private async sayIn(
    room: string | undefined,
    text: string,
    kind: 'text' | 'action',
    info: (text: string, tone: LocalLine['tone']) => void,
  ): Promise<void> {
    if (!room) return info('you are in no room: /join <room> first', 'error');
    if (room !== this.active && !this.order.includes(room)) {
      const what = sanitizeInline(text.replace(/\r?\n/g, ' / '), 60);
      return info(`not sent: you are no longer in ${roomLabel(room)} ("${what}")`, 'error');
    }
    if (room === this.active) {
      this.typing(false);
      this.scrollToEnd();
    }
    await this.client.send(room, text, kind);
    await this.awayNotices.sent(room);
  }

  /** Offers text for the input line (the view puts it there). */
  offerDraft(text: string): void {
    this.draft = { text, n: (this.draft?.n ?? 0) + 1 };
    this.changed();
  }

  /**
   * Shows a message of a room (a search hit) in the pane: switches to the room and scrolls so
   * that the message sits a few lines above the bottom, what followed it below.
   */
  showMessage(room: string, id: string): void {
    const i = this.order.indexOf(room);
    if (i < 0) return;
    this.switchTo(i);
    this.revealCleared(room, id);
    const msgs = this.client.rooms.get(room)?.messages ?? [];
    const at = msgs.findIndex((m) => m.id === id);
    const below = at < 0 ? undefined : msgs[Math.min(msgs.length - 1, at + 3)];
    // The hit itself stays in view, however tall what follows it is in a small pane.
    if (below === undefined || below.id === id) this.scrolls.drop(room);
    else this.scrolls.anchorTo(room, below.id, id);
    this.changed();
  }

  /** `/clear`: hides what the active room shows so far. */
  clearScreen(): void {
    this.clearIn(this.active);
  }

  /** A message asked for (a jump) that `/clear` hid: the clear is lifted to show it. */
  private revealCleared(room: string, id: string): void {
    const cleared = this.cleared.get(room)?.id;
    if (cleared !== undefined && compareIds(id, cleared) <= 0) this.unclear(room);
  }

  /** Shows again what `/clear` hid in a room, and says so. */
  private unclear(room: string): void {
    this.cleared.delete(room);
    this.addLine(room, 'info', 'showing what /clear hid');
  }

  private clearIn(name: string | undefined): void {
    if (!name) return;
    const room = this.client.rooms.get(name);
    this.cleared.set(name, { id: room?.messages.at(-1)?.id, n: this.local.lineNo });
    this.scrolls.drop(name);
    this.changed();
  }

  /**
   * `/ignore NAME` (`on`) or `/unignore NAME`: hides or shows again the user's messages and
   * DMs, kept in the settings; says what changed, or why nothing did.
   */
  ignore(name: string | undefined, on: boolean): void {
    const usage = on ? '/ignore <user>' : '/unignore <user>';
    if (!name) return this.info(`usage: ${usage}`, 'error');
    const user = name.replace(/^@/, '').toLowerCase();
    const shown = sanitizeInline(user, 40);
    if (!NAME_PATTERN.test(user))
      return this.info(`"${shown}" is not a user name: ${NAME_RULE}`, 'error');
    if (on && user === this.user) return this.info('you cannot ignore yourself', 'error');
    if (on) {
      if (!this.ignoring.add(user)) return this.info(`you are already ignoring ${shown}`);
      this.info(`ignoring ${shown}: their messages and DMs are hidden (/unignore ${shown})`);
    } else {
      if (!this.ignoring.remove(user)) return this.info(`you are not ignoring ${shown}`, 'error');
      this.info(`no longer ignoring ${shown}: their messages and DMs show again`);
      // A conversation they opened meanwhile gets its tab.
      const dm = directAddress(user);
      if (this.client.rooms.has(dm) && !this.order.includes(dm)) this.opened(dm);
    }
    void this.countsFromServer();
  }

  /**
   * After the ignore list changed: the server counts the open rooms' unread messages again
   * with the new list, beyond what the rooms hold too. Not connected, the counts stay as the
   * held messages make them. A room the answer no longer names is counted from what it holds
   * when it holds its marker.
   */
  private async countsFromServer(): Promise<void> {
    if (!this.started) return;
    // Only the answer to the latest change counts (two changes in a row can be answered out
    // of order).
    const ask = ++this.countAsks;
    let asked: AskedSummary;
    try {
      asked = await fetchSummary(this);
    } catch {
      return;
    }
    if (ask !== this.countAsks) return;
    const open = new Set(this.order);
    const named = new Set(asked.summary.unread.map((u) => u.room));
    for (const room of [...this.serverCounts.keys()]) {
      if (!named.has(room) && room !== this.active) this.recount(room);
    }
    const rows = asked.summary.unread.filter((u) => open.has(u.room) && u.room !== this.active);
    await openUnread(
      this,
      { summary: { ...asked.summary, unread: rows, mentions: [] }, without: asked.without },
      this.restoreHooks,
      new Set(),
    );
    this.changed();
  }

  /** Opens or closes the help overlay. */
  showHelp(open: boolean): void {
    this.helpOpen = open;
    this.changed();
  }

  quit(): void {
    if (this.quitting) return;
    this.quitting = true;
    this.typing(false);
    this.reads.flush();
    this.changed();
    this.onQuit?.();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.reads.dispose();
    for (const off of this.offs) off();
    this.listeners.clear();
  }
}
