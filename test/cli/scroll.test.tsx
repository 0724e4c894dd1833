import { afterEach, describe, expect, it } from 'vitest';
import { MEMBER_LIST_MIN_COLUMNS } from '../../src/cli/tui/components/App.js';
import { KEYS, setup, type Harness } from './harness.js';
import { T0 } from './fake-chat.js';

/**
 * PgUp/PgDn move by screen rows, whatever wraps: paging up to the top and back down shows
 * every row of every message, in order, each page overlapping the last by one row.
 */

const open: Harness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.unmount();
});

/** Seeded, so a failing case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const CHROME_TOP = 3; // header (2) and room tabs
const CHROME = 5;

/** Messages of random lengths, every word unique (`m<i>w<k>`), some long words and newlines. */
function messages(next: () => number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const words: string[] = [];
    const n = 1 + Math.floor(next() ** 2 * 40);
    for (let k = 0; k < n; k++) {
      const r = next();
      const letters = Array.from({ length: Math.floor(next() * 8) }, () =>
        String.fromCharCode(97 + Math.floor(next() * 26)),
      ).join('');
      // A long word is broken mid-word; a newline starts a new line in the message.
      const word = `m${i}w${k}${r < 0.08 ? letters.repeat(9) : letters}`;
      words.push(r > 0.95 && k > 0 ? `\n${word}` : word);
    }
    return words.join(' ').replace(/ \n/g, '\n');
  });
}

const paneWidth = (columns: number): number =>
  columns >= MEMBER_LIST_MIN_COLUMNS ? columns - 18 : columns;

/** The message pane's rows of a frame, without the "more below" line. */
function paneRows(frame: string, columns: number, rows: number): string[] {
  const pane = frame
    .split('\n')
    .slice(CHROME_TOP, CHROME_TOP + rows - CHROME)
    .map((l) => l.slice(0, paneWidth(columns)).trimEnd());
  return pane.at(-1)?.includes('below (PgDn') ? pane.slice(0, -1) : pane;
}

/** Where `rows` sit in `all`, as one contiguous run; -1 if they do not. */
function positionIn(all: string[], rows: string[]): number {
  for (let p = 0; p + rows.length <= all.length; p++)
    if (rows.every((r, i) => all[p + i] === r)) return p;
  return -1;
}

async function chat(columns: number, rows: number, texts: string[]): Promise<Harness> {
  const h = await setup({ columns, rows });
  open.push(h);
  for (const t of texts) h.chat.deliver('lobby', 'bob', t, { live: false });
  const last = texts.at(-1)!.split(/\s/).at(-1)!.slice(0, 6);
  await h.until((f) => expect(f).toContain(last));
  return h;
}

/** Every row of the conversation at this width: drawn in a terminal tall enough for all. */
async function transcript(columns: number, texts: string[]): Promise<string[]> {
  const tall = texts.reduce((n, t) => n + t.length + 2, 10);
  const h = await chat(columns, tall, texts);
  const rows = paneRows(h.frame(), columns, tall);
  const first = rows.findIndex((r) => r !== '');
  h.unmount();
  open.splice(open.indexOf(h), 1);
  return rows.slice(first);
}

/** Pages up to the top and back down, checking each frame against the transcript. */
async function pageThrough(h: Harness, all: string[], columns: number, rows: number) {
  const view = rows - CHROME;
  const at = (): number => positionIn(all, paneRows(h.frame(), columns, rows));
  const bottom = Math.max(0, all.length - view);
  expect(at()).toBe(bottom);
  const seen = new Set<number>();
  const see = (p: number, n: number): void => {
    for (let i = p; i < p + n; i++) seen.add(i);
  };
  see(bottom, Math.min(view, all.length));
  if (all.length <= view) {
    // Everything fits: PgUp has nothing to show and must not scroll into blank rows.
    h.key(KEYS.pageUp);
    await h.until(() => expect(h.store.getSnapshot().scroll).toBeUndefined());
    expect(at()).toBe(0);
    return;
  }
  // Up: each page's bottom row is the previous page's top row.
  let p = bottom;
  while (p > 0) {
    const before = p;
    h.key(KEYS.pageUp);
    await h.until(() => {
      const rowsNow = paneRows(h.frame(), columns, rows);
      expect(rowsNow).toHaveLength(view - 1); // full: no blank rows at the top
      p = positionIn(all, rowsNow);
      expect(p, 'a page is a run of the transcript').toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(before);
    });
    if (p > 0) expect(p + view - 2).toBe(before);
    else expect(view - 2).toBeGreaterThanOrEqual(before); // the top: it moved less
    see(p, view - 1);
  }
  // At the top, PgUp stays there; PgDn then moves one page less a row.
  // Down: each page's top row is the previous page's bottom row, until the bottom.
  h.key(KEYS.pageUp);
  while (h.frame().includes('more below')) {
    const before = p;
    h.key(KEYS.pageDown);
    await h.until(() => {
      p = positionIn(all, paneRows(h.frame(), columns, rows));
      expect(p).toBeGreaterThan(before);
    });
    const shown = paneRows(h.frame(), columns, rows).length;
    see(p, shown);
    if (shown === view)
      expect(p).toBe(bottom); // back at the bottom, full height
    else expect(p).toBe(before + view - 2);
    expect(before + view - 2, 'the old bottom row is still in view').toBeGreaterThanOrEqual(p);
  }
  expect(p).toBe(bottom);
  // Every row was on screen at some point.
  expect(all.filter((_, i) => !seen.has(i))).toEqual([]);
}

/** The words of the messages, in the order the transcript shows them. */
function wordsOf(all: string[]): string[] {
  return all.join(' ').match(/m\d+w\d+/g) ?? [];
}

describe('scrolling by rows', () => {
  it('at random widths and message lengths, paging up then down shows every message once, in order', async () => {
    const next = random(20261202);
    const sizes: [number, number][] = [
      [40, 12],
      [30, 10],
      [57, 16],
      [72, 12],
      [100, 24],
      [90, 9], // (ink-testing-library's terminal is 100 columns wide at most)
    ];
    for (const [columns, rows] of sizes) {
      const texts = messages(next, 8 + Math.floor(next() * 20));
      const all = await transcript(columns, texts);
      // The transcript itself: every word of every message once, in order.
      expect(wordsOf(all)).toEqual(wordsOf(texts));
      const h = await chat(columns, rows, texts);
      await pageThrough(h, all, columns, rows);
      h.unmount();
      open.splice(open.indexOf(h), 1);
    }
  }, 60_000);

  it('after a long /rooms at 40x12, its first line is reachable and nothing blank shows above it', async () => {
    const h = await setup({ columns: 40, rows: 12 });
    open.push(h);
    h.chat.roomList = Array.from({ length: 20 }, (_, i) => ({
      name: `room-${i}`,
      members: [],
      memberCount: 1,
      lastActivity: T0,
      messages: 0,
    }));
    await h.enter('/rooms');
    await h.until((f) => expect(f).toContain('#room-19'));
    for (let i = 0; i < 10; i++) h.key(KEYS.pageUp);
    await h.until((f) => {
      expect(paneRows(f, 40, 12)[0]).toBe('─── Mon 23 Nov 2026 ───');
      expect(paneRows(f, 40, 12)[1]).toMatch(/^\d\d:\d\d joined \(1\):$/);
    });
    expect(paneRows(h.frame(), 40, 12).every((r) => r !== '')).toBe(true);
  });

  it('follows a resize: the rows are measured again at the new width', async () => {
    const next = random(7);
    const texts = messages(next, 20);
    const h = await chat(100, 14, texts);
    h.key(KEYS.pageUp);
    await h.until((f) => expect(f).toContain('more below'));
    h.resize(44, 14);
    await h.until((f) => expect(f.split('\n')[0]!.length).toBeLessThanOrEqual(44));
    h.key(KEYS.end);
    await h.until((f) => expect(f).not.toContain('more below'));
    const all = await transcript(44, texts);
    await pageThrough(h, all, 44, 14);
  });
});

describe('whole messages', () => {
  /** A word of `n` characters whose every stretch of 10 says where it is (`…0123456789`). */
  const numbered = (n: number): string =>
    Array.from({ length: n }, (_, i) => (i % 10 === 9 ? String(((i / 10) % 10) | 0) : 'w')).join(
      '',
    );

  it('a 2000-character word and a 40-line message are drawn whole; paging reaches every row', async () => {
    const word = numbered(2000);
    const lines = Array.from({ length: 40 }, (_, i) => `line-${i}`);
    const texts = ['before', word, lines.join('\n'), 'after'];
    const [columns, rows] = [40, 12];
    const all = await transcript(columns, texts);
    // Right of the time column, the word's rows put back together are the word: no cut, no `…`.
    const stamp = '14:00 '.length;
    const start = all.findIndex((r) => r.includes('bob: w'));
    const end = all.findIndex((r) => r.includes('line-0'));
    const drawn = all
      .slice(start, end)
      .map((r) => r.slice(stamp))
      .join('')
      .replace(/^bob: /, '');
    expect(drawn).toBe(word);
    expect(all.filter((r) => r.includes('┆ line-')).map((r) => r.split('┆ ')[1])).toEqual(
      lines.slice(1),
    );
    // In a small terminal, paging up and down shows every one of those rows.
    const h = await chat(columns, rows, texts);
    await pageThrough(h, all, columns, rows);
  }, 30_000);

  it('a line of lost history wraps in a narrow pane rather than being cut', async () => {
    const columns = 30;
    const draw = async (rows: number): Promise<Harness> => {
      const h = await setup({ columns, rows });
      open.push(h);
      for (let i = 0; i < 6; i++) h.chat.deliver('lobby', 'bob', `before ${i}`, { live: false });
      h.chat.rooms.get('lobby')!.gaps.push({ afterSeq: 6, missing: 12 });
      for (let i = 0; i < 6; i++) h.chat.deliver('lobby', 'bob', `after ${i}`, { live: false });
      await h.until((f) => expect(f).toContain('after 5'));
      return h;
    };
    const tall = await draw(40);
    const all = paneRows(tall.frame(), columns, 40).filter((r) => r !== '');
    tall.unmount();
    open.splice(open.indexOf(tall), 1);
    const at = all.findIndex((r) => r.startsWith('─── 12'));
    expect(
      all
        .slice(at, at + 3)
        .map((r) => r.trim())
        .join(' '),
    ).toBe('─── 12 messages missing here (no longer kept by the server) ───');
    await pageThrough(await draw(9), all, columns, 9);
  });
});
