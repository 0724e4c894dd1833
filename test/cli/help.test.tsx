import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_HINT } from '../../src/cli/tui/components/HintLine.js';
import { COMMAND_HELP, KEY_HELP } from '../../src/cli/tui/state/help-lines.js';
import { T0 } from './fake-chat.js';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const ESC = '\x1b';
const TITLE = 'Help: commands and keys';
const rowsOf = (f: string): string[] => f.split('\n');
/** The typing line's row: second from the bottom. */
const typingRow = (f: string): string => rowsOf(f).at(-2) ?? '';

describe('first screen hint', () => {
  it('says /help and Ctrl-C in the typing row, takes no history line, and goes once the user types', async () => {
    h = await setup({ columns: 40, rows: 12 });
    h.chat.deliver('lobby', 'bob', 'hello there', { live: false });
    await h.until((f) => {
      expect(f).toContain('bob: hello there');
      expect(typingRow(f)).toBe(FIRST_HINT);
    });
    // Not an entry of the room: the pane holds only bob's line.
    expect(h.store.getSnapshot().entries.some((e) => JSON.stringify(e).includes('/help'))).toBe(
      false,
    );
    expect(rowsOf(h.frame()).filter((r) => r.includes('Ctrl-C'))).toHaveLength(1);
    h.key('x');
    await h.until((f) => {
      expect(f).toContain('#lobby> x');
      expect(f).not.toContain(FIRST_HINT);
    });
    // Gone for good: an empty line again does not bring it back.
    h.key(KEYS.backspace);
    await h.until((f) => expect(f).not.toContain('#lobby> x'));
    expect(h.frame()).not.toContain(FIRST_HINT);
  });

  it('someone typing takes the row over from the hint', async () => {
    h = await setup();
    await h.until((f) => expect(typingRow(f)).toBe(FIRST_HINT));
    h.chat.rooms.get('lobby')!.typing.set('bob', T0 + 5000);
    h.chat.fire('room', 'lobby');
    await h.until((f) => expect(typingRow(f)).toContain('bob is typing'));
  });
});

describe('/help overlay', () => {
  it('opens over the pane with every command and key, Esc closes it, and the history is unchanged', async () => {
    h = await setup({ columns: 100, rows: 46 });
    h.chat.deliver('lobby', 'bob', 'before help', { live: false });
    await h.until((f) => expect(f).toContain('bob: before help'));
    const before = h.frame();
    const entries = h.store.getSnapshot().entries;
    await h.enter('/help');
    await h.until((f) => {
      expect(f).toContain(TITLE);
      for (const [k, what] of [...COMMAND_HELP, ...KEY_HELP]) {
        expect(f).toContain(k);
        expect(f).toContain(what);
      }
      expect(f).not.toContain('bob: before help');
      expect(f).toContain('Esc, q or Enter closes');
    });
    // Keys go to the overlay, not to the input line.
    h.key('z');
    h.key(ESC);
    await h.until((f) => expect(f).not.toContain(TITLE));
    expect(h.frame()).toContain('bob: before help');
    expect(h.frame()).not.toContain('#lobby> z');
    // The room's history is as it was: no line was added by /help.
    expect(h.store.getSnapshot().entries).toEqual(entries);
    expect(h.frame().replace(FIRST_HINT, '')).toBe(before.replace(FIRST_HINT, ''));
  });

  it('q and Enter close it too; Ctrl-C quits from it', async () => {
    h = await setup();
    for (const close of ['q', KEYS.enter]) {
      await h.enter('/help');
      await h.until((f) => expect(f).toContain(TITLE));
      h.key(close);
      await h.until((f) => expect(f).not.toContain(TITLE));
    }
    expect(h.chat.sent).toEqual([]);
    await h.enter('/?');
    await h.until((f) => expect(f).toContain(TITLE));
    h.key(KEYS.ctrlC);
    await h.until(() => expect(h!.store.getSnapshot().quitting).toBe(true));
  });

  it('fits 40x12: it scrolls, says there is more, and every row is reachable', async () => {
    h = await setup({ columns: 40, rows: 12 });
    await h.enter('/help');
    await h.until((f) => expect(f).toContain(TITLE.slice(0, 20)));
    const seen = new Set<string>();
    const check = (f: string): void => {
      const rows = rowsOf(f);
      expect(rows).toHaveLength(12);
      for (const r of rows) expect(stringWidth(r)).toBeLessThanOrEqual(40);
    };
    check(h.frame());
    // The pane is 7 rows (under header, status and tabs): title, 5 of help, and a footer
    // that says more is below.
    expect(rowsOf(h.frame())[3]).toContain(TITLE.slice(0, 20));
    expect(rowsOf(h.frame())[9]).toMatch(/↓ \d+ more/);
    for (let i = 0; i < 200 && !h.frame().includes('more above'); i++) {
      for (const r of rowsOf(h.frame()).slice(4, 9)) seen.add(r.trim());
      const was = h.frame();
      h.key(KEYS.down);
      await h.until((f) => expect(f).not.toBe(was));
      check(h.frame());
    }
    for (const r of rowsOf(h.frame()).slice(4, 9)) seen.add(r.trim());
    expect(h.frame()).toContain('more above');
    const text = [...seen].join(' ');
    for (const [k] of [...COMMAND_HELP, ...KEY_HELP]) expect(text).toContain(k);
    // PgUp goes back a page at a time, to the top.
    for (let i = 0; i < 30; i++) h.key(KEYS.pageUp);
    await h.until((f) => expect(rowsOf(f)[4]!.trimEnd()).toBe('Commands'));
    h.key(ESC);
    await h.until((f) => expect(f).not.toContain(TITLE.slice(0, 20)));
  });
});
