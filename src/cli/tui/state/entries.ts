import type { OutgoingMessage } from '../../../client/chat-client.js';
import type { RoomState } from '../../../client/room-state.js';
import { compareIds, type ChatMessage, type MessageKind } from '../../../protocol/index.js';
import { messageBody, sanitizeInline } from '../../sanitize.js';
import { isMention } from './mentions.js';

/** The most of a refused send's reason shown (columns): a few rows of a narrow pane. */
const REFUSAL_MAX_WIDTH = 400;

/** A line the client itself adds to a room's screen (status, notices, command answers). */
export interface LocalLine {
  n: number;
  tone: 'status' | 'notice' | 'info' | 'error';
  text: string;
  ts: number;
  /** The room's newest message when the line was added: the line is drawn after it. */
  after: string | undefined;
}

/** One entry of the message pane, ready to draw: every remote string already made safe. */
export type Entry =
  | { kind: 'day'; key: string; label: string }
  | {
      kind: 'message';
      key: string;
      time: string;
      from: string;
      text: string;
      messageKind: MessageKind;
      own: boolean;
      /** It names the user (not the user's own): drawn highlighted. */
      mention: boolean;
      /** `queued`: entered, waiting for the lines before it to go (paste.ts). */
      mark: 'queued' | 'pending' | 'failed' | 'rejected' | undefined;
      error?: string;
      /** Its author changed it: drawn with "(edited)" after it. */
      edited?: boolean;
      /** Its author deleted it: "message deleted" stands in its place. */
      deleted?: boolean;
    }
  | { kind: 'gap'; key: string; missing: number; reset?: boolean; unloaded?: boolean }
  /** The unread-marker line: what follows came after the user stopped reading. */
  | { kind: 'marker'; key: string; label: string }
  | { kind: 'local'; key: string; tone: LocalLine['tone']; time: string; text: string };

/** What stands in place of a deleted message. */
export const DELETED_TEXT = 'message deleted';

const pad = (n: number): string => String(n).padStart(2, '0');

export function clock(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function dayLabel(ts: number): string {
  const d = new Date(ts);
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** Sanitising is per message, not per frame: a busy room would redo it on every change. */
const safeCache = new WeakMap<ChatMessage, { from: string; text: string }>();
function safe(m: ChatMessage): { from: string; text: string } {
  let v = safeCache.get(m);
  if (!v) safeCache.set(m, (v = { from: sanitizeInline(m.from), text: messageBody(m.text) }));
  return v;
}

const dayKey = (ts: number): string => {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

/** A message entered that waits its turn (see paste.ts). */
export interface QueuedMessage {
  n: number;
  room: string | undefined;
  text: string;
  kind: 'text' | 'action';
  at: number;
}

/** How the key of a place not loaded begins (the seq it follows comes after). */
export const UNLOADED_KEY = 'unloaded:';

export interface EntryInput {
  room: RoomState | undefined;
  user: string | undefined;
  outgoing: Iterable<OutgoingMessage>;
  /** Messages entered that wait their turn behind others, in order (not sent yet). */
  queued?: readonly QueuedMessage[];
  local: readonly LocalLine[];
  /** `/clear`: hide messages up to this id and local lines up to this number. */
  clearedAfter?: { id: string | undefined; n: number } | undefined;
  /** The unread-marker line: drawn before the first message after `after`, if any follows. */
  marker?: { after: string | undefined; label: string } | undefined;
  /** Authors whose messages are not drawn (`/ignore`). */
  hide?: (from: string) => boolean;
}

/**
 * The message pane of one room: messages in id order (each once, as the room holds them),
 * gap markers where history was lost, the client's own lines, day separators, our sends
 * that the room does not hold yet, marked pending or failed, and after them the messages
 * entered that wait their turn, marked so.
 */
export function buildEntries(input: EntryInput): Entry[] {
  const { room, user, clearedAfter } = input;
  let marker = input.marker;
  const out: Entry[] = [];
  let lastDay: string | undefined;
  const day = (ts: number): void => {
    const k = dayKey(ts);
    if (k === lastDay) return;
    lastDay = k;
    out.push({ kind: 'day', key: `day:${k}`, label: dayLabel(ts) });
  };
  const local = input.local.filter((l) => !clearedAfter || l.n > clearedAfter.n);
  let li = 0;
  const pushLocal = (l: LocalLine): void => {
    day(l.ts);
    out.push({ kind: 'local', key: `local:${l.n}`, tone: l.tone, time: clock(l.ts), text: l.text });
  };
  // Local lines added while the room was empty come first.
  while (li < local.length && local[li]!.after === undefined) pushLocal(local[li++]!);

  const held = new Set<string>();
  const hidden = (id: string): boolean =>
    clearedAfter?.id !== undefined && compareIds(id, clearedAfter.id) <= 0;
  for (const line of room?.lines() ?? []) {
    if (line.kind === 'gap') {
      const { afterSeq, missing, reset, unloaded } = line.gap;
      out.push(
        reset
          ? { kind: 'gap', key: `reset:${afterSeq}`, missing, reset }
          : unloaded
            ? { kind: 'gap', key: `${UNLOADED_KEY}${afterSeq}`, missing, unloaded }
            : { kind: 'gap', key: `gap:${afterSeq}`, missing },
      );
      continue;
    }
    const m = line.message;
    if (m.clientMsgId) held.add(m.clientMsgId);
    if (!hidden(m.id) && !input.hide?.(m.from)) {
      if (marker && (marker.after === undefined || compareIds(m.id, marker.after) > 0)) {
        out.push({ kind: 'marker', key: 'marker', label: marker.label });
        marker = undefined;
      }
      day(m.ts);
      const { from, text } = safe(m);
      out.push({
        kind: 'message',
        key: m.id,
        time: clock(m.ts),
        from,
        text: m.deleted ? DELETED_TEXT : text,
        messageKind: m.kind,
        own: m.from === user,
        mention: !m.deleted && isMention(m, user),
        mark: undefined,
        ...(m.deleted ? { deleted: true } : m.rev ? { edited: true } : {}),
      });
    }
    while (li < local.length && local[li]!.after === m.id) pushLocal(local[li++]!);
  }
  // Lines anchored to messages no longer held (cleared, or the room was re-joined).
  while (li < local.length) pushLocal(local[li++]!);

  /** A message of ours the room does not hold (yet). */
  const own = (
    key: string,
    at: number,
    o: { text: string; kind: 'text' | 'action' },
    mark: Extract<Entry, { kind: 'message' }>['mark'],
    error?: string,
  ): void => {
    day(at);
    out.push({
      kind: 'message',
      key,
      time: clock(at),
      from: sanitizeInline(user ?? 'me'),
      text: messageBody(o.text),
      messageKind: o.kind,
      own: true,
      mention: false,
      mark,
      // The server's reason, whole: the pane wraps it. Bounded only against a runaway one.
      ...(error !== undefined ? { error: sanitizeInline(error, REFUSAL_MAX_WIDTH) } : {}),
    });
  };
  for (const o of input.outgoing) {
    if (!room || o.room !== room.name || held.has(o.clientMsgId)) continue;
    if (o.state === 'sent' && o.id && room.has(o.id)) continue;
    const mark = o.state === 'sent' ? undefined : o.state;
    own(`out:${o.clientMsgId}`, o.createdAt, o, mark, o.error?.message);
  }
  for (const q of input.queued ?? []) {
    if (room && q.room === room.name) own(`queued:${q.n}`, q.at, q, 'queued');
  }
  return out;
}
