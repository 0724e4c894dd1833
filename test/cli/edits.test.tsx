import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol/index.js';
import { T0 } from './fake-chat.js';
import { KEYS, plain, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const ALT_E = '\x1be';
const CTRL_R = '\x12';

/** How many rows of the frame contain `text`. */
const count = (f: string, text: string): number =>
  plain(f)
    .split('\n')
    .filter((l) => l.includes(text)).length;

/** The input line: the frame's last row. */
const inputRow = (f: string): string => plain(f).trimEnd().split('\n').at(-1) ?? '';

describe('/edit and /delete', () => {
  it('/edit TEXT replaces my last message in place, with "(edited)", once', async () => {
    h = await setup();
    h.chat.deliver('lobby', 'me', 'teh first');
    h.chat.deliver('lobby', 'alice', 'hello');
    const mine = h.chat.deliver('lobby', 'me', 'my last one');
    await h.until((f) => expect(plain(f)).toContain('my last one'));
    await h.enter('/edit my last one, fixed');
    await h.until((f) => expect(plain(f)).toContain('me: my last one, fixed (edited)'));
    expect(h.chat.changes).toEqual([{ room: 'lobby', id: mine.id, text: 'my last one, fixed' }]);
    const f = h.frame();
    // In place: still after alice's line, and the old text is not a second line.
    expect(count(f, 'my last one')).toBe(1);
    expect(plain(f).indexOf('alice: hello')).toBeLessThan(plain(f).indexOf('fixed (edited)'));
    expect(count(f, 'teh first')).toBe(1);
  });

  it('Alt-E puts my last message in the input line; Enter saves it; Up still recalls history', async () => {
    h = await setup();
    await h.enter('something typed earlier');
    const mine = h.chat.deliver('lobby', 'me', 'two\nlines');
    await h.until((f) => expect(plain(f)).toContain('lines'));
    // Up on the empty line is still the input history, not an edit.
    h.key(KEYS.up);
    await h.until((f) => expect(inputRow(f)).toContain('something typed earlier'));
    h.key(KEYS.ctrlU);
    h.key(ALT_E);
    await h.until((f) => expect(plain(f)).toContain('/edit two'));
    // A line break in the draft keeps the message's shape; add a third line.
    h.key(KEYS.ctrlE);
    h.key('\n');
    h.key('three');
    await h.until((f) => expect(plain(f)).toContain('three'));
    h.key(KEYS.enter);
    await h.until((f) => expect(plain(f)).toContain('(edited)'));
    expect(h.chat.changes).toEqual([{ room: 'lobby', id: mine.id, text: 'two\nlines\nthree' }]);
    expect(count(h.frame(), 'two')).toBe(1);
  });

  it('/delete shows "message deleted" in its place; nothing to change says so', async () => {
    h = await setup();
    await h.enter('/delete');
    await h.until((f) => expect(plain(f)).toContain('you have no message here to delete'));
    h.chat.deliver('lobby', 'alice', 'before');
    h.chat.deliver('lobby', 'me', 'regrettable words');
    h.chat.deliver('lobby', 'alice', 'after');
    await h.until((f) => expect(plain(f)).toContain('regrettable'));
    // Words after it are not a confirmation: nothing is deleted.
    await h.enter('/delete extra args');
    await h.until((f) =>
      expect(plain(f)).toContain('usage: /delete (not run: "extra args" is more than it takes)'),
    );
    expect(plain(h.frame())).toContain('me: regrettable words');
    await h.enter('/delete');
    await h.until((f) => expect(plain(f)).toContain('me: message deleted'));
    const f = plain(h.frame());
    expect(f).not.toContain('regrettable');
    expect(f.indexOf('before')).toBeLessThan(f.indexOf('message deleted'));
    expect(f.indexOf('message deleted')).toBeLessThan(f.indexOf('alice: after'));
    // The deleted one is not "my last message" any more: nothing left to edit.
    await h.enter('/edit again');
    await h.until((f) => expect(plain(f)).toContain('you have no message here to edit'));
  });

  it("another user's edit and delete are drawn in place, in any order, once", async () => {
    h = await setup();
    const m = h.chat.deliver('lobby', 'alice', 'original text');
    h.chat.deliver('lobby', 'bob', 'reply');
    await h.until((f) => expect(plain(f)).toContain('original text'));
    h.chat.deliver('lobby', 'alice', 'better text', { kind: 'edit', ref: m.id });
    await h.until((f) => expect(plain(f)).toContain('alice: better text (edited)'));
    expect(plain(h.frame())).not.toContain('original text');
    // The same change again (a resume's page overlapping the live one) changes nothing.
    const room = h.chat.rooms.get('lobby')!;
    const edit = { ...room.messages[0]! };
    expect(room.insert(edit)).toBe(false);
    h.chat.deliver('lobby', 'alice', '', { kind: 'delete', ref: m.id });
    await h.until((f) => expect(plain(f)).toContain('alice: message deleted'));
    expect(count(h.frame(), 'alice:')).toBe(1);
    expect(plain(h.frame())).toContain('bob: reply');
  });

  it('a refused edit says why and changes nothing', async () => {
    h = await setup();
    h.chat.deliver('lobby', 'me', 'kept');
    h.chat.refuseChange = 'no such message in this room: it was deleted, or is no longer kept';
    await h.enter('/edit changed');
    await h.until((f) => expect(plain(f)).toContain('not edited: no such message'));
    expect(plain(h.frame())).toContain('me: kept');
    expect(plain(h.frame())).not.toContain('(edited)');
  });
});

describe('/search and /jump', () => {
  const hit = (seq: number, text: string): ChatMessage => ({
    id: `${T0 - 10_000_000 + seq}-0`,
    seq,
    room: 'lobby',
    from: 'alice',
    text,
    ts: T0 - 10_000_000 + seq,
    kind: 'text',
  });

  it('lists hits with time and sender, goes on with /search, and /jump shows an old one', async () => {
    h = await setup({ rows: 24 });
    for (let i = 1; i <= 30; i++) h.chat.deliver('lobby', 'bob', `recent ${i}`);
    const old = hit(3, 'the deploy key is in the vault');
    const older = hit(2, 'where is the deploy key?');
    h.chat.searchAnswers.push(
      { hits: [old], scanned: 1000, next: old.id },
      { hits: [], scanned: 1000, next: '1-0' },
      { hits: [older], scanned: 500 },
    );
    await h.enter('/search deploy KEY');
    await h.until((f) =>
      expect(plain(f)).toContain('1. 11:13 alice: the deploy key is in the vault'),
    );
    // It stepped on by itself until the kept history was searched.
    expect(h.chat.searches.map((s) => s.before)).toEqual([undefined, old.id, '1-0']);
    expect(plain(h.frame())).toContain('2. 11:13 alice: where is the deploy key?');
    expect(plain(h.frame())).toContain('2 hits in all its kept history');

    // Older than anything loaded: /jump loads the history around it and scrolls to it.
    h.chat.around.set('lobby', [hit(1, 'context before'), older, old, hit(4, 'context after')]);
    await h.enter('/jump 1');
    await h.until((f) => expect(plain(f)).toContain('alice: context before'));
    const f = plain(h.frame());
    expect(f).toMatch(/\d\d:\d\d alice: the deploy key is in the vault/);
    expect(f).toContain('more below');
    expect(f).not.toContain('recent 30');
    h.key(KEYS.end);
    await h.until((f) => expect(plain(f)).toContain('recent 30'));
    await h.enter('/jump 9');
    await h.until((f) => expect(plain(f)).toContain('usage: /jump N, N from 1 to 2'));
  });

  it('/jump in a small terminal shows the hit, however tall the messages after it are', async () => {
    h = await setup({ columns: 60, rows: 16 });
    for (let i = 1; i <= 30; i++) h.chat.deliver('lobby', 'bob', `recent ${i}`);
    const target = hit(2, 'START of the hit');
    const tall = (seq: number): ChatMessage => hit(seq, `tall ${seq} `.repeat(60));
    h.chat.searchAnswers.push({ hits: [target], scanned: 10 });
    await h.enter('/search START');
    await h.until((f) => expect(plain(f)).toContain('1. '));
    h.chat.around.set('lobby', [hit(1, 'context before'), target, tall(3), tall(4), tall(5)]);
    await h.enter('/jump 1');
    await h.until((f) => expect(plain(f)).toContain('more below'));
    expect(plain(h.frame())).toMatch(/^\d\d:\d\d alice: START of the hit/m);
  });

  it('/jump to a hit that /clear hid shows it, and what the clear hid', async () => {
    h = await setup();
    for (let i = 1; i <= 5; i++) h.chat.deliver('lobby', 'bob', `recent ${i}`);
    await h.enter('/clear');
    await h.until((f) => expect(plain(f)).not.toContain('recent 3'));
    const target = h.chat.rooms.get('lobby')!.messages[2]!;
    h.chat.searchAnswers.push({ hits: [target], scanned: 5 });
    await h.enter('/search recent 3');
    await h.until((f) => expect(plain(f)).toContain('1. '));
    await h.enter('/jump 1');
    await h.until((f) => {
      expect(plain(f)).toMatch(/^\d\d:\d\d bob: recent 3/m);
      expect(plain(f)).toContain('showing what /clear hid');
    });
  });

  it('keeps at most 200 hits, and says so rather than listing more', async () => {
    h = await setup();
    for (let step = 0; step < 5; step++)
      h.chat.searchAnswers.push({
        hits: Array.from({ length: 50 }, (_, i) => hit(1000 - step * 50 - i, `word ${step}/${i}`)),
        scanned: 1000,
        next: `${step + 1}-0`,
      });
    await h.enter('/search word');
    await h.until((f) => expect(plain(f)).toContain('/search goes on'));
    for (let i = 0; i < 3; i++) await h.enter('/search');
    await h.until((f) => expect(plain(f)).toContain('200. 11:13 alice: word 3/49'));
    await h.enter('/search');
    await h.until((f) =>
      expect(plain(f)).toContain('the first 200 hits are listed; /search something narrower'),
    );
    expect(h.chat.searches).toHaveLength(4);
  });

  it('Ctrl-R starts a search with what was typed; nothing found says so', async () => {
    h = await setup();
    h.key('lost words');
    await h.until((f) => expect(inputRow(f)).toContain('lost words'));
    h.key(CTRL_R);
    await h.until((f) => expect(inputRow(f)).toContain('/search lost words'));
    h.key(KEYS.enter);
    await h.until((f) =>
      expect(plain(f)).toContain('search "lost words" in #lobby: nothing found'),
    );
    await h.enter('/jump 1');
    await h.until((f) => expect(plain(f)).toContain('no search hits'));
  });
});
