import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import type { ChatMessage, UnreadRoom } from '../../src/protocol/index.js';
import type { FakeChat } from './fake-chat.js';
import { KEYS, plain, setup, tabs, type Harness } from './harness.js';

let h: Harness | undefined;
/** A marker is sent within a second of being seen. */
const WAIT = { timeout: 3000, interval: 20 };
afterEach(() => h?.unmount());

/** A room the server holds: `read` messages the user has seen (the marker on the last), then `unread`. */
function serverRoom(
  chat: FakeChat,
  name: string,
  read: [from: string, text: string][],
  unread: [from: string, text: string][],
): { marker: string | undefined; unread: ChatMessage[] } {
  chat.rooms.set(name, new RoomState(name));
  let marker: string | undefined;
  for (const [from, text] of read)
    marker = chat.deliver(name, from, text, { silent: true, live: false }).id;
  if (marker) chat.readTo.set(name, marker);
  const news = unread.map(([from, text]) =>
    chat.deliver(name, from, text, { silent: true, live: false }),
  );
  return { marker, unread: news };
}

/** The server's summary row of a room, as `marks:fetch` answers it. */
function row(room: string, marker: string | undefined, news: ChatMessage[], mentions: number) {
  const last = news.at(-1)!;
  return {
    room,
    unread: news.length,
    mentions,
    partial: false,
    lastFrom: last.from,
    lastId: last.id,
    lastSeq: last.seq,
    lastTs: last.ts,
    ...(marker ? { readTo: marker } : {}),
  } satisfies UnreadRoom;
}

const markerLine = (f: string): string =>
  plain(f)
    .split('\n')
    .find((l) => l.includes('── new since') || l.includes('── new messages')) ?? '';
/** The pane's lines that hold `texts`, in the order drawn, with the marker line among them. */
const order = (f: string, texts: string[]): string[] =>
  plain(f)
    .split('\n')
    .flatMap((l) => {
      if (l.includes('── new')) return ['marker'];
      return texts.filter((t) => l.includes(t));
    });

describe('coming back', () => {
  it('drops the counts of a room whose history the server reset: what was unread went with it', async () => {
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        const dm = serverRoom(
          chat,
          '@alice',
          [],
          [
            ['alice', 'are you around?'],
            ['alice', 'me, the deploy'],
          ],
        ).unread;
        chat.marks = { rooms: [], unread: [row('@alice', undefined, dm, 2)], mentions: [dm[1]!] };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 2 (2)'));
    // The conversation was opened afresh (the next holder of a deleted name): a new epoch.
    const room = h.chat.rooms.get('@alice')!;
    room.adoptEpoch('the-old-one');
    expect(room.adoptEpoch('a-new-one')).toBe(true);
    h.chat.fire('gap', '@alice', { afterSeq: 0, missing: 0, reset: true });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice'));
  });

  it('opens the rooms kept and those with news as tabs with their counts, the first one named on screen', async () => {
    let dm: ChatMessage[] = [];
    let devNews: ChatMessage[] = [];
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        const dev = serverRoom(
          chat,
          'dev',
          [['bob', 'old news']],
          [
            ['bob', 'build is green'],
            ['bob', 'me: can you review?'],
            ['carol', 'no rush'],
          ],
        );
        devNews = dev.unread;
        dm = serverRoom(
          chat,
          '@alice',
          [],
          [
            ['alice', 'are you around?'],
            ['alice', 'me, the deploy'],
          ],
        ).unread;
        serverRoom(chat, 'ops', [['dan', 'all quiet']], []);
        chat.marks = {
          rooms: ['dev', 'ops'],
          unread: [row('@alice', undefined, dm, 2), row('dev', dev.marker, dev.unread, 1)],
          mentions: [devNews[1]!, dm[1]!],
        };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3 (1) 3:#ops 4:@alice 2 (2)'));
    // The room named on the command line is on screen and kept; the rest were opened as
    // they were, none of them read by being opened.
    expect(h.frame()).toContain('#lobby>');
    expect(h.chat.joinLog).toEqual(['lobby+', 'dev', 'ops', '@alice']);
    expect(h.chat.markLog).toEqual([]);

    // /mentions lists the server's, with room and time, and goes to one.
    await h.enter('/mentions');
    await h.until((f) => expect(plain(f)).toContain('mentions (the last 2 messages, newest last)'));
    expect(plain(h.frame())).toContain('1. 14:02 @alice alice: me, the deploy');
    expect(plain(h.frame())).toContain('2. 14:03 #dev bob: me: can you review?');
    await h.enter('/mentions 1');
    await h.until((f) => expect(f).toContain('@alice>'));
    expect(tabs(h.frame())).toBe('1:#lobby 2:#dev 3 (1) 3:#ops 4:@alice');
    // The conversation never read: the line tops it.
    expect(markerLine(h.frame())).toContain('── new messages ──');
    await vi.waitFor(() => expect(h!.chat.markLog).toContain(`@alice ${dm[1]!.id}`), WAIT);
  });

  it("counts at a start without ignored users' messages, those the window does not hold too", async () => {
    h = await setup({
      rooms: ['lobby'],
      ignore: { ignored: ['dave'] },
      before: (chat) => {
        // The window holds the newest 5 of 9 unread: d5 d6 c1 c2 c3. Carol's first names
        // the user (not held), and so do two of dave's that are.
        chat.rooms.set('dev', new RoomState('dev', 5));
        const marker = chat.deliver('dev', 'carol', 'old news', { silent: true, live: false }).id;
        chat.readTo.set('dev', marker);
        const news = ['d1', 'c1 me?', 'd2', 'd3', 'd4', 'd5 me?', 'd6 me?', 'c2', 'c3'].map((t) =>
          chat.deliver('dev', t.startsWith('d') ? 'dave' : 'carol', t, {
            silent: true,
            live: false,
          }),
        );
        // The server leaves out the users the client names, as `marks:fetch` does.
        chat.marksFor = (ignore) => {
          const counted = news.filter((m) => !ignore.includes(m.from));
          const mentions = counted.filter((m) => m.text.includes('me?'));
          return {
            rooms: ['dev'],
            unread: [row('dev', marker, counted, mentions.length)],
            mentions,
          };
        };
      },
    });
    // Carol's 3, one naming the user: the server's counts without dave's.
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3 (1)'));
    // Shown again: the server counts again with the new list, the 6 of his the window does
    // not hold all included.
    await h.enter('/unignore dave');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 9 (3)'));
    // A live one after that is counted whoever sent it.
    h.chat.deliver('dev', 'dave', 'd7');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 10 (3)'));
    // Ignored again: the server's 3, and d7 (after its count) taken out here.
    await h.enter('/ignore dave');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3 (1)'));
    // Not connected, a change of the list counts what the rooms hold.
    h.chat.marksError = 'not connected';
    await h.enter('/unignore dave');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 6 (3)'));
  });

  it('after /ignore then /unignore, the answer to the last change counts, whichever comes first', async () => {
    let slow: (() => void) | undefined;
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        chat.rooms.set('dev', new RoomState('dev', 2));
        const marker = chat.deliver('dev', 'carol', 'old news', { silent: true, live: false }).id;
        chat.readTo.set('dev', marker);
        const news = ['d1', 'd2', 'd3', 'c1', 'c2'].map((t) =>
          chat.deliver('dev', t.startsWith('d') ? 'dave' : 'carol', t, {
            silent: true,
            live: false,
          }),
        );
        chat.marksFor = (ignore) => {
          const counted = news.filter((m) => !ignore.includes(m.from));
          const answer = { rooms: ['dev'], unread: [row('dev', marker, counted, 0)], mentions: [] };
          // The answer for the list with dave in it comes last.
          if (ignore.length === 0 || slow) return answer;
          return new Promise((resolve) => (slow = () => resolve(answer)));
        };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 5'));
    await h.enter('/ignore dave');
    await h.until((f) => expect(plain(f)).toContain('ignoring dave'));
    await h.enter('/unignore dave');
    await h.until((f) => expect(plain(f)).toContain('no longer ignoring dave'));
    // The late answer (dave left out: 2) is not taken for the list now: once it has been
    // handled (its promise chain runs before the next turn), a new message makes 6, not 3.
    slow!();
    await new Promise((r) => setImmediate(r));
    h.chat.deliver('dev', 'carol', 'c3');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 6'));
  });

  it('draws the marker line where reading stopped, keeps it while in view, and drops it once read', async () => {
    let news: ChatMessage[] = [];
    h = await setup({
      rooms: ['lobby', 'dev'],
      before: (chat) => {
        const dev = serverRoom(
          chat,
          'dev',
          [
            ['bob', 'yesterday one'],
            ['bob', 'yesterday two'],
          ],
          [
            ['carol', 'first new'],
            ['carol', 'second new'],
          ],
        );
        news = dev.unread;
        chat.marks = {
          rooms: ['dev'],
          unread: [row('dev', dev.marker, dev.unread, 0)],
          mentions: [],
        };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 2'));
    h.key(KEYS.alt(2));
    await h.until((f) => expect(markerLine(f)).toContain('── new since 14:02 ──'));
    const texts = ['yesterday two', 'first new', 'second new', 'live one'];
    expect(order(h.frame(), texts)).toEqual(['yesterday two', 'marker', 'first new', 'second new']);
    // Seen: the server is told (once, the newest), and the line stays while the room is in view.
    await vi.waitFor(() => expect(h!.chat.markLog).toEqual([`dev ${news[1]!.id}`]), WAIT);
    h.chat.deliver('dev', 'dan', 'live one');
    await h.until((f) => expect(plain(f)).toContain('live one'));
    expect(order(h.frame(), texts)).toEqual([
      'yesterday two',
      'marker',
      'first new',
      'second new',
      'live one',
    ]);
    // Away and back with nothing new: read, no line.
    h.key(KEYS.alt(1));
    await h.until((f) => expect(f).toContain('#lobby>'));
    h.key(KEYS.alt(2));
    await h.until((f) => expect(f).toContain('#dev>'));
    expect(markerLine(h.frame())).toBe('');
    // Away while someone writes: back, the line is right above it.
    h.key(KEYS.alt(1));
    await h.until((f) => expect(f).toContain('#lobby>'));
    h.chat.deliver('dev', 'erin', 'while you were out', { ts: Date.UTC(2026, 10, 23, 15, 30) });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1'));
    h.key(KEYS.alt(2));
    await h.until((f) => expect(markerLine(f)).toContain('── new since 14:05 ──'));
    expect(order(h.frame(), ['live one', 'while you were out'])).toEqual([
      'live one',
      'marker',
      'while you were out',
    ]);
  });

  it('a room read on another terminal clears here; counts past 999 read 999+', async () => {
    let devNews: ChatMessage[] = [];
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        const dev = serverRoom(
          chat,
          'dev',
          [['bob', 'seen']],
          [
            ['bob', 'one'],
            ['bob', 'me: two'],
          ],
        );
        devNews = dev.unread;
        const big = serverRoom(
          chat,
          'big',
          [['x', 'seen']],
          [
            ['x', 'me? 1'],
            ['x', 'and 2'],
          ],
        );
        chat.marks = {
          rooms: ['dev', 'big'],
          unread: [
            row('dev', dev.marker, dev.unread, 1),
            // 1500 unread, 7 naming me, of which the room holds one.
            { ...row('big', big.marker, big.unread, 7), unread: 1500 },
          ],
          mentions: [],
        };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 2 (1) 3:#big 999+ (7)'));
    // Bob's phone read #dev up to the first new message, then all of it.
    h.chat.fire('mark', 'dev', devNews[0]!.id);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1 (1) 3:#big 999+ (7)'));
    h.chat.fire('mark', 'dev', devNews[1]!.id);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#big 999+ (7)'));
    // Reading #big clears it, the mentions it did not hold too.
    h.key(KEYS.alt(3));
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#big'));
    expect(markerLine(h.frame())).toContain('── new since 14:01 ──');
  });

  it('a room read on another terminal while this one starts counts from there, heard before its join or in its answer', async () => {
    let news: Record<string, ChatMessage[]> = {};
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        const dev = serverRoom(chat, 'dev', [['bob', 'seen']], [['bob', 'me: one']]);
        const ops = serverRoom(chat, 'ops', [['dan', 'seen']], [['dan', 'me: two']]);
        news = { dev: dev.unread, ops: ops.unread };
        chat.marks = {
          rooms: [],
          unread: [row('dev', dev.marker, dev.unread, 1), row('ops', ops.marker, ops.unread, 1)],
          mentions: [],
        };
        // Between the server's answer and the rooms' joins, the user's other terminal reads
        // both: #dev's marker comes as an event before its join, #ops's in its join's answer.
        const answer = chat.fetchMarks.bind(chat);
        chat.fetchMarks = async () => {
          const summary = await answer();
          chat.fire('mark', 'dev', news.dev!.at(-1)!.id);
          chat.readTo.set('ops', news.ops!.at(-1)!.id);
          return summary;
        };
      },
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#ops'));
    expect(h.chat.markLog).toEqual([]);
  });

  it('a conversation opened while the connection was down appears once it is back', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby'));
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 300, reason: 'chat-1 went away' });
    const dm = serverRoom(h.chat, '@carol', [], [['carol', 'me: you dropped off']]).unread;
    h.chat.marks = { rooms: [], unread: [row('@carol', undefined, dm, 1)], mentions: [dm[0]!] };
    h.chat.setState({
      kind: 'connected',
      server: h.chat.server,
      instanceId: 'chat-2',
      bootId: 'b2',
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@carol 1 (1)'));
    expect(h.frame()).toContain('#lobby>');
    expect(h.store.recentMentions.map((m) => m.text)).toEqual(['me: you dropped off']);
  });

  it('a room joined for the first time is read as far as it goes; without the server the client still starts', async () => {
    h = await setup({
      rooms: ['lobby'],
      before: (chat) => {
        chat.marksError = 'no answer to marks:fetch in time';
        serverRoom(chat, 'fresh', [], [['bob', 'long ago']]);
      },
    });
    await h.until((f) =>
      expect(plain(f)).toContain('unread messages are not known: no answer to marks:fetch in time'),
    );
    await h.enter('/join fresh');
    await h.until((f) => expect(f).toContain('#fresh>'));
    expect(markerLine(h.frame())).toBe('');
    const newest = h.chat.rooms.get('fresh')!.messages.at(-1)!.id;
    await vi.waitFor(() => expect(h!.chat.markLog).toEqual([`fresh ${newest}`]), WAIT);
    expect(h.chat.joinLog).toEqual(['lobby+', 'fresh+']);
    // /mentions says the server could not be asked, and lists what was heard here.
    await h.enter('/mentions');
    await h.until((f) =>
      expect(plain(f)).toContain("the server's list of mentions is not available"),
    );
    expect(plain(h.frame())).toContain('no one has mentioned you yet');
    // A mention in history loaded (highlighted, rung by nobody) is listed all the same.
    h.chat.deliver('fresh', 'bob', 'me: from the history', { live: false });
    await h.enter('/mentions');
    await h.until((f) => expect(plain(f)).toContain('1. 14:02 #fresh bob: me: from the history'));
    expect(h.bells()).toBe(0);
  });
});
