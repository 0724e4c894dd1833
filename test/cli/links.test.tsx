import { afterEach, describe, expect, it } from 'vitest';
import { findLinks, linkify, terminalLinks } from '../../src/cli/tui/state/links.js';
import { wrappedRows } from '../../src/cli/tui/state/wrap-rows.js';
import { setup, type Harness, plain } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

// eslint-disable-next-line no-control-regex
const OSC8 = /\x1b\]8;;([^\x07]*)\x07/g;
/** The URLs of the links drawn on each row of a frame (a link opened on the row). */
const linkRows = (f: string): string[][] =>
  f.split('\n').map((row) => [...row.matchAll(OSC8)].map((m) => m[1]!).filter(Boolean));
const noLinks = (f: string): string => f.replace(OSC8, '');

describe('links', () => {
  it('findLinks: http(s) only, sentence punctuation left out, brackets the URL opened kept', () => {
    const text =
      'see https://example.com/a?b=1. and (http://x.org/path), ftp://no.pe, javascript:alert(1) ' +
      'https://en.wikipedia.org/wiki/Unix_(disambiguation) http://exa mple https://';
    expect(findLinks(text).map((l) => text.slice(l.start, l.end))).toEqual([
      'https://example.com/a?b=1',
      'http://x.org/path',
      'https://en.wikipedia.org/wiki/Unix_(disambiguation)',
      'http://exa',
    ]);
    // The URL given to the terminal is the parsed one (percent-encoded).
    expect(findLinks('https://example.com/ä^')[0]!.url).toBe('https://example.com/%C3%A4^');
  });

  it('a wrapped URL is one link on every row it takes, and nothing beside it is part of it', async () => {
    const url = 'https://example.com/a/long/path/that/must/wrap/over/several/rows/of/the/pane';
    h = await setup({ rooms: ['lobby'], links: true, columns: 80, rows: 12 });
    h.chat.deliver('lobby', 'bob', `look at ${url} now`);
    await h.until((f) => expect(plain(f)).toContain('now'));
    const f = h.frame();
    const rows = linkRows(f).filter((r) => r.length > 0);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(r).toEqual([url]);
    // Each row closes the link before the member list's border.
    for (const row of f.split('\n').filter((r) => r.includes(url))) {
      const close = row.lastIndexOf('\x1b]8;;\x07');
      expect(close).toBeGreaterThan(row.lastIndexOf(url));
      expect(row.slice(0, close)).not.toContain('│');
    }
    // The text drawn is exactly what it is without links: the layout's row counts hold.
    const before = noLinks(f);
    h.unmount();
    h = await setup({ rooms: ['lobby'], columns: 80, rows: 12 });
    h.chat.deliver('lobby', 'bob', `look at ${url} now`);
    await h.until((g) => expect(plain(g)).toContain('now'));
    expect(h.frame()).toBe(before);
    expect(linkRows(h.frame()).flat()).toEqual([]);
  });

  it('wrap-rows counts a linkified text as the plain text', () => {
    const text = `a https://example.com/${'x'.repeat(90)} b (https://y.org/(z)), end`;
    for (const columns of [10, 23, 40, 61]) {
      expect(wrappedRows(linkify(text), columns)).toBe(wrappedRows(text, columns));
    }
  });

  it('hostile text: control characters never reach the link, other schemes are plain', async () => {
    h = await setup({ rooms: ['lobby'], links: true });
    h.chat.deliver(
      'lobby',
      'bob',
      'x http://a.com/\x1b]8;;http://evil\x07y\x07 javascript:alert(1)',
    );
    await h.until((f) => expect(plain(f)).toContain('javascript:alert(1)'));
    const urls = linkRows(h.frame()).flat();
    expect(urls).toHaveLength(1);
    // eslint-disable-next-line no-control-regex
    expect(urls[0]).not.toMatch(/[\x00-\x1f\x7f-\x9f\s]/);
    expect(urls[0]!.startsWith('http://a.com/')).toBe(true);
  });

  it('/url lists the recent links, numbered, newest last; auto is off on dumb and linux', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/url');
    await h.until((f) => expect(plain(f)).toContain('no links in what this room holds'));
    h.chat.deliver('lobby', 'bob', 'first https://one.example/');
    h.chat.deliver('lobby', 'carol', 'two: http://two.example/a and https://three.example/b.');
    h.chat.deliver('lobby', 'dave', 'no link here');
    await h.until((f) => expect(plain(f)).toContain('no link here'));
    await h.enter('/url');
    await h.until((f) => {
      const p = plain(f);
      expect(p).toContain('1. 14:01 bob https://one.example/');
      expect(p).toContain('2. 14:02 carol http://two.example/a');
      expect(p).toContain('3. 14:02 carol https://three.example/b');
      expect(p.indexOf('1. 14:01')).toBeLessThan(p.indexOf('3. 14:02'));
    });
    expect(terminalLinks('dumb')).toBe(false);
    expect(terminalLinks('linux')).toBe(false);
    expect(terminalLinks('xterm-256color')).toBe(true);
  });
});
