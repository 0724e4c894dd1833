import { describe, expect, it } from 'vitest';
import { KeyDecoder, type Key } from '../../src/cli/tui/key-decoder.js';

/** Keys as short words: `text:ab`, `backspace`, `ctrl-w`, `alt-return`, `paste:a\nb`. */
function words(keys: Key[]): string[] {
  return keys.map((k) => {
    const mods = `${k.ctrl ? 'ctrl-' : ''}${k.meta ? 'alt-' : ''}${k.shift ? 'shift-' : ''}`;
    if (k.name === 'chord') return `${mods}${k.text}`;
    return k.text ? `${mods}${k.name}:${k.text}` : `${mods}${k.name}`;
  });
}
const decode = (...reads: string[]): string[] => {
  const d = new KeyDecoder();
  return words([...reads.flatMap((r) => d.push(r)), ...d.flush()]);
};

describe('decoding terminal input key by key', () => {
  it('a burst keeps every key, in order: Backspace, Ctrl-W, Ctrl-U, Enter, Tab', () => {
    expect(decode('abcd\x7fe')).toEqual(['text:abcd', 'backspace', 'text:e']);
    expect(decode('one two\x17three\x15x\r')).toEqual([
      'text:one two',
      'ctrl-w',
      'text:three',
      'ctrl-u',
      'text:x',
      'return',
    ]);
    expect(decode('al\t')).toEqual(['text:al', 'tab']);
    expect(decode('\b\x01\x05\x03')).toEqual(['backspace', 'ctrl-a', 'ctrl-e', 'ctrl-c']);
  });

  it('escape sequences, Alt keys, Alt-Enter and Ctrl-J', () => {
    expect(decode('a\x1b[Db\x1b[1;5C\x1bOA\x1b[5~\x1b[3~\x1b[Z')).toEqual([
      'text:a',
      'left',
      'text:b',
      'ctrl-right',
      'up',
      'pageup',
      'delete',
      'shift-tab',
    ]);
    expect(decode('\x1b1\x1ba\x1b\r\n\x1b\x7f\x1b\x1b[D')).toEqual([
      'alt-1',
      'alt-a',
      'alt-return',
      'linefeed',
      'alt-backspace',
      'alt-left',
    ]);
    expect(decode('x\x1b')).toEqual(['text:x', 'escape']);
  });

  it('graphemes stay whole in a run; a ZWJ family split between reads is put back together', () => {
    const family = '👩‍👩‍👧‍👦';
    expect(decode(`a${family}b\x7f`)).toEqual([`text:a${family}b`, 'backspace']);
    const at = family.indexOf('\u200d') + 1;
    expect(decode(family.slice(0, at), family.slice(at)).join('')).toBe(
      `text:${family.slice(0, at)}text:${family.slice(at)}`,
    );
  });

  it('a bracketed paste is one key, however the reads split it', () => {
    const input = 'x\x1b[200~first\r\nsecond\rthird \x1b[31mred\x1b[0m\tend\x1b[201~y\x7f';
    const want = ['text:x', 'paste:first\nsecond\nthird red    end', 'text:y', 'backspace'];
    expect(decode(input)).toEqual(want);
    // Reads split anywhere, but not inside the start marker: outside a paste the stdin filter
    // and Ink hand over an escape sequence whole.
    const start = input.indexOf('\x1b[200~');
    for (let a = 1; a < input.length; a++) {
      if (a > start && a < start + 6) continue;
      const got = decode(input.slice(0, a), input.slice(a));
      // A split inside a plain run of text makes two text keys; the paste stays one.
      expect(
        got.filter((w) => w.startsWith('paste:')),
        `split at ${a}`,
      ).toEqual([want[1]]);
      expect(got.join('').replace(/text:/g, ''), `split at ${a}`).toBe(
        want.join('').replace(/text:/g, ''),
      );
    }
  });

  it('a paste whose end marker never comes ends on flush', () => {
    const d = new KeyDecoder();
    expect(d.push('\x1b[200~lost end\r')).toEqual([]);
    expect(d.pasting).toBe(true);
    expect(words(d.flush())).toEqual(['paste:lost end\n']);
    expect(words(d.push('ok'))).toEqual(['text:ok']);
  });

  it('text with line breaks in one read, without brackets, stays one unit of lines (the old paste)', () => {
    expect(decode('one\rtwo\r\nthree')).toEqual(['lines:one\ntwo\nthree']);
    // A line and its Enter is typing, key by key.
    expect(decode('hello\r')).toEqual(['text:hello', 'return']);
  });
});
