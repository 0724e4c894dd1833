import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { clampHelpTop, helpBodyRows, helpLines } from '../../src/cli/tui/state/help-lines.js';
import { COMMAND_HELP, KEY_HELP } from '../../src/cli/tui/state/help-lines.js';

describe('help overlay lines', () => {
  it('fit every width from 20 to 160 columns and hold every row of both tables, words whole', () => {
    for (let width = 20; width <= 160; width++) {
      const lines = helpLines(width);
      for (const l of lines)
        expect(stringWidth(l.text), `${width}: ${l.text}`).toBeLessThanOrEqual(width);
      const text = lines.map((l) => l.text.trim()).join(' ');
      for (const [keys, what] of [...COMMAND_HELP, ...KEY_HELP]) {
        expect(text).toContain(keys);
        // Wrapped at spaces: the words come back in order once the rows are joined.
        expect(text.replace(/\s+/g, ' ')).toContain(what);
      }
      expect(lines.filter((l) => l.kind === 'heading').map((l) => l.text)).toEqual([
        'Commands',
        'Keys',
      ]);
    }
  });

  it('put the text under its key when beside it would leave too little room', () => {
    const narrow = helpLines(30);
    const at = narrow.findIndex((l) => l.text === '  /join <room>');
    expect(at).toBeGreaterThan(0);
    expect(narrow[at + 1]!.text.startsWith('    join a room')).toBe(true);
    expect(helpLines(80).some((l) => /^ {2}\/join <room> +join a room/.test(l.text))).toBe(true);
  });

  it('scrolls no further than the last full page', () => {
    expect(helpBodyRows(7)).toBe(5);
    expect(clampHelpTop(100, 40, 7)).toBe(35);
    expect(clampHelpTop(-3, 40, 7)).toBe(0);
    expect(clampHelpTop(10, 3, 7)).toBe(0);
  });
});
