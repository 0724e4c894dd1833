import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

/**
 * A paste in a terminal with bracketed paste (ESC[200~ ... ESC[201~) is one unit: a few
 * lines are typed into the input as one message, a long paste asks once and goes out as one
 * message; never line by line.
 */

let h: Harness | undefined;
afterEach(() => h?.unmount());

const sent = (): string[] => h!.chat.sent.map((s) => s.text);
const paste = (text: string): string => `\x1b[200~${text}\x1b[201~`;
const rows = (f: string, n: number): string[] => f.split('\n').slice(-n);

describe('bracketed paste', () => {
  it('a paste of a few lines is typed where the cursor is, as one message, sent by Enter', async () => {
    h = await setup();
    h.key('see: ');
    h.key(paste('line one\r\nline two\rline three'));
    await h.until((f) =>
      expect(rows(f, 3)).toEqual([
        '#lobby> see: line one',
        '      ┆ line two',
        '      ┆ line three',
      ]),
    );
    expect(sent()).toEqual([]);
    h.key(KEYS.enter);
    await h.until(() => expect(sent()).toEqual(['see: line one\nline two\nline three']));
    await h.until((f) => {
      expect(f).toContain('me: see: line one');
      expect(f).toContain('┆ line two');
      expect(f).toContain('┆ line three');
    });
  });

  it('split over many reads it is still one unit', async () => {
    h = await setup();
    for (const part of ['\x1b[200~al', 'pha\rbe', 'ta\r', 'gamma\x1b[201~']) h.key(part);
    await h.until((f) => expect(rows(f, 3)[2]).toBe('      ┆ gamma'));
    expect(sent()).toEqual([]);
    h.key(KEYS.enter);
    await h.until(() => expect(sent()).toEqual(['alpha\nbeta\ngamma']));
  });

  it('a paste of more than 5 lines asks once: y sends one message; n or Esc sends nothing', async () => {
    h = await setup();
    const seven = Array.from({ length: 7 }, (_, i) => `pasted line ${i + 1}`);
    h.key('half typed');
    h.key(paste(seven.join('\r')));
    await h.until((f) =>
      expect(rows(f, 1)[0]).toBe(
        'Send 7 pasted lines to #lobby as one message? y/Enter: send · n/Esc: drop',
      ),
    );
    h.key('y');
    await h.until(() => expect(sent()).toEqual([seven.join('\n')]));
    // What was typed before it stays.
    await h.until((f) => expect(rows(f, 1)[0]).toBe('#lobby> half typed'));
    await h.until((f) => expect(f).toContain('┆ pasted line 7'));

    h.key(paste(seven.join('\n')));
    await h.until((f) => expect(f).toContain('Send 7 pasted lines'));
    h.key('n');
    await h.until((f) => expect(f).toContain('7 pasted lines not sent'));
    // Whole lines copied end with a line break: it is not one more line.
    h.key(paste(`${seven.join('\r')}\r`));
    await h.until((f) => expect(f).toContain('Send 7 pasted lines'));
    h.key('\x1b');
    await h.until((f) => expect(f).toContain('7 pasted lines not sent'));
    expect(sent()).toEqual([seven.join('\n')]);
  });

  it('five whole lines copied (the last line break with them) are typed, not asked about', async () => {
    h = await setup();
    const five = Array.from({ length: 5 }, (_, i) => `five ${i + 1}`);
    h.key(paste(`${five.join('\n')}\n`));
    await h.until((f) => expect(rows(f, 1)[0]).toBe('      ┆ five 5'));
    expect(h.frame()).not.toContain('pasted lines');
    h.key(KEYS.enter);
    await h.until(() => expect(sent()).toEqual([five.join('\n')]));
  });

  it('a long paste that starts with / is sent as text, not run as a command', async () => {
    h = await setup();
    const lines = ['/etc/hosts:', '127.0.0.1 localhost', '::1 localhost', 'a', 'b', 'c'];
    h.key(paste(lines.join('\n')));
    await h.until((f) => expect(f).toContain('Send 6 pasted lines'));
    h.key(KEYS.enter);
    await h.until(() => expect(sent()).toEqual([lines.join('\n')]));
  });

  it('a paste over the size limit asks once and is sent in parts, cut at line breaks', async () => {
    h = await setup();
    const line = 'x'.repeat(99);
    const text = Array.from({ length: 30 }, () => line).join('\n'); // 2999 characters
    h.key(paste(text));
    await h.until((f) =>
      expect(rows(f, 2).join('\n')).toContain(
        '2999 pasted characters, over the 2000 limit: send as 2 messages to #lobby?',
      ),
    );
    h.key('y');
    await h.until(() => expect(sent()).toHaveLength(2));
    expect(sent().join('\n')).toBe(text);
    expect(sent()[0]!.endsWith(line)).toBe(true);
    // More than the input line holds is refused whole, and says so.
    for (const o of [...h.chat.outgoing.values()]) h.chat.settle(o, 'sent');
    h.key(paste('y'.repeat(25_000)));
    await h.until((f) =>
      expect(f).toContain('25000 characters not taken: the input line holds at most 20000'),
    );
    expect(sent()).toHaveLength(2);
  });
});
