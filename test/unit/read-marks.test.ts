import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import { buildEntries } from '../../src/cli/tui/state/entries.js';
import { MARK_EVERY_MS, MARKS_PER_SEND, ReadMarkers } from '../../src/cli/tui/state/read-marks.js';
import { unreadTail } from '../../src/cli/tui/state/unread-tail.js';
import type { MarkUpdate } from '../../src/protocol/index.js';
import { chatMessage } from '../helpers/messages.js';

/** Rooms holding `n` messages each, and a markRead that records and answers as `answer` says. */
function stand(
  rooms: string[],
  n: number,
  answer: (room: string, id: string) => Promise<MarkUpdate>,
) {
  const map = new Map<string, RoomState>();
  for (const name of rooms) {
    const r = new RoomState(name);
    r.setBase(1);
    for (let seq = 1; seq <= n; seq++) r.insert(chatMessage(seq));
    map.set(name, r);
  }
  const sent: string[] = [];
  const marks = new ReadMarkers({
    rooms: map,
    markRead: (room, id) => {
      sent.push(`${room} ${id}`);
      return answer(room, id);
    },
  });
  return { marks, sent, rooms: map };
}
const accept: Answer = (room, id) => Promise.resolve({ room, id });
type Answer = (room: string, id: string) => Promise<MarkUpdate>;
const refuse =
  (code: string): Answer =>
  () =>
    Promise.reject(Object.assign(new Error(code), { code }));

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('read markers sent by the terminal client', () => {
  it('go a few at a time, not in one burst, after a moment; each room once, its newest', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const { marks, sent } = stand(names, 3, accept);
    for (const n of names) {
      marks.seen(n);
      marks.seen(n); // seen again before it went: still one marker
    }
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(MARK_EVERY_MS);
    expect(sent).toHaveLength(MARKS_PER_SEND);
    await vi.advanceTimersByTimeAsync(MARK_EVERY_MS);
    expect(sent).toHaveLength(2 * MARKS_PER_SEND);
    await vi.advanceTimersByTimeAsync(MARK_EVERY_MS);
    expect(sent).toEqual(names.map((n) => `${n} 1003-0`));
    // Nothing newer: nothing more.
    for (const n of names) marks.seen(n, true);
    await vi.advanceTimersByTimeAsync(5 * MARK_EVERY_MS);
    expect(sent).toHaveLength(20);
  });

  it('a marker the server rate-limits goes again; one it refuses is dropped; none moves back', async () => {
    let answer: Answer = refuse('rate_limited');
    const { marks, sent, rooms } = stand(['dev'], 2, (room, id) => answer(room, id));
    marks.seen('dev', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['dev 1002-0']);
    answer = accept;
    await vi.advanceTimersByTimeAsync(MARK_EVERY_MS);
    expect(sent).toEqual(['dev 1002-0', 'dev 1002-0']);
    rooms.get('dev')!.insert(chatMessage(3));
    answer = refuse('not_found');
    marks.seen('dev', true);
    await vi.advanceTimersByTimeAsync(5 * MARK_EVERY_MS);
    expect(sent).toEqual(['dev 1002-0', 'dev 1002-0', 'dev 1003-0']);
    // Heard from elsewhere further on: the marker here never goes back to an older one.
    marks.heard('dev', '2000-0');
    marks.heard('dev', '1500-0');
    expect(marks.get('dev')).toBe('2000-0');
    marks.seen('dev', true);
    expect(sent).toHaveLength(3);
  });
});

describe('the unread-marker line', () => {
  it('stands after the last message read, also when it tops the window and older ones load later', () => {
    const room = new RoomState('dev');
    room.setBase(4);
    // Read up to 3; 4 to 10 are unread and all the window holds.
    for (let seq = 4; seq <= 10; seq++) room.insert(chatMessage(seq));
    room.unread = 7;
    const marks = new ReadMarkers({ rooms: new Map([['dev', room]]), markRead: accept });
    marks.heard('dev', chatMessage(3).id);
    marks.enter('dev', room);
    const line = marks.line('dev');
    expect(line?.label).toMatch(/^new since \d\d:\d\d$/);
    // The text of the message the line is drawn above, as the pane builds it.
    const drawnBefore = (): string | undefined => {
      const entries = buildEntries({ room, user: 'me', outgoing: [], local: [], marker: line });
      const at = entries.findIndex((e) => e.kind === 'marker');
      return entries.slice(at).find((e) => e.kind === 'message')?.text;
    };
    expect(drawnBefore()).toBe('m4');
    // Scrolling back loads what was read: the line stays before the first unread one.
    room.insertOlder([1, 2, 3].map((seq) => chatMessage(seq)));
    expect(room.messages[0]!.seq).toBe(1);
    expect(drawnBefore()).toBe('m4');
  });
});

describe('the unread messages of a window', () => {
  it("are the newest as many as its count of others' messages: the user's own among them do not count", () => {
    const room = new RoomState('dev');
    room.setBase(1);
    const from = ['bob', 'bob', 'me', 'bob'];
    from.forEach((who, i) => room.insert({ ...chatMessage(i + 1), from: who }));
    room.unread = 2; // the second and the fourth: the third is the user's own
    expect(unreadTail(room.messages, 2, 'me')).toEqual({ from: 1, all: true });
    expect(unreadTail(room.messages, 5, 'me')).toEqual({ from: 0, all: false });
    // The line goes after the first message, not before the user's own.
    const marks = new ReadMarkers({ rooms: new Map([['dev', room]]), markRead: accept });
    marks.enter('dev', room, 'me');
    expect(marks.line('dev')?.after).toBe(chatMessage(1).id);
  });
});
