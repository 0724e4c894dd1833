/* eslint-disable no-control-regex -- these tests are about control characters */
import { describe, expect, it, afterEach } from 'vitest';
import { filterInput } from '../../src/cli/tui/stdin-filter.js';
import {
  CONTINUATION_MARK,
  hasControls,
  messageBody,
  sanitizeInline,
  sanitizeText,
} from '../../src/cli/sanitize.js';
import { setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const HOSTILE =
  'red\x1b[31mALERT\x1b[0m title\x1b]0;pwned\x07 clip\x1b]52;c;ZXZpbA==\x07 c1\x9b2J bell\x07 cr\rback\b\b rtl\u202Eevil\u202C zw\u200Bsp';

/** Ink's own colours (SGR) are allowed; nothing else may start with ESC. */
const withoutInkColours = (f: string): string => f.replace(/\x1b\[[0-9;]*m/g, '');

describe('sanitising remote text', () => {
  it('shows controls visibly and keeps nothing a terminal would act on', () => {
    const s = sanitizeText(HOSTILE);
    expect(hasControls(s)).toBe(false);
    expect(s).toContain('red^[[31mALERT^[[0m');
    expect(s).toContain('title^[]0;pwned^G');
    expect(s).toContain('clip^[]52;c;ZXZpbA==^G');
    expect(s).toContain('c1<U+009B>2J');
    expect(s).toContain('cr^Mback^H^H');
    expect(s).toContain('rtl<U+202E>evil<U+202C>');
    expect(s).toContain('zw<U+200B>sp');
    expect(sanitizeInline('a\nb\tc')).toBe('a b c');
  });

  it('keeps a message whole; caps line length and count only when asked, and says so', () => {
    const word = `${'x'.repeat(4990)}0123456789`;
    expect(messageBody(word)).toBe(word);
    const lines = Array.from({ length: 50 }, (_, i) => `l${i}`);
    expect(messageBody(lines.join('\n'))).toBe(lines.join(`\n${CONTINUATION_MARK}`));
    const limits = { maxLineLength: 400, maxLines: 8 };
    const long = sanitizeText('x'.repeat(5000), limits);
    expect(long).toBe(`${'x'.repeat(399)}…`);
    const many = sanitizeText(lines.join('\n'), limits);
    expect(many.split('\n')).toHaveLength(9);
    expect(many).toContain('… (42 more lines)');
  });

  it('a frame drawn from hostile text, names and broadcasts holds no ESC or C1 byte', async () => {
    h = await setup();
    const evilName = 'eve\x1b[2J\u202E';
    h.chat.deliver('lobby', evilName, HOSTILE);
    h.chat.deliver('lobby', 'eve', 'line1\nline2\x1b[1A\x1b[2K', { kind: 'action' });
    h.chat.rooms.get('lobby')!.members = ['me', evilName];
    h.chat.rooms.get('lobby')!.typing.set(evilName, Date.now() + 1e9);
    h.chat.fire('notice', { id: 'n1', text: 'ops\x1b]52;c;aGk=\x07', ts: 0, from: 'admin\x9b' });
    h.chat.state = {
      kind: 'connected',
      server: 'http://127.0.0.1:3000',
      instanceId: 'chat-9\x1b]0;t\x07',
      bootId: 'b',
    };
    h.chat.fire('state', h.chat.state);
    h.chat.fire('status', 'chat-1\x1b[5m went away; reconnected to chat-9\x9b');
    await h.until((f) => expect(f).toContain('red^[[31mALERT^[[0m'));
    expect(withoutInkColours(h.frame())).toContain('chat-9^[]0;t^G │ ● connected');
    expect(withoutInkColours(h.frame())).toContain(
      '↻ chat-1^[[5m went away; reconnected to chat-9<U+009B>',
    );
    const frame = withoutInkColours(h.frame());
    expect(frame).not.toMatch(/[\x1b\x80-\x9f\x07\x08\r]/);
    expect(frame).toContain('eve^[[2J<U+202E>: red^[[31mALERT');
    expect(frame).toContain('line2^[[1A^[[2K');
    expect(frame).toContain('[broadcast from admin<U+009B>] ops^[]52;c;aGk=^G');
    expect(frame).toContain('is typing');
  });

  it('pasted escape sequences are filtered before Ink and do not crash the input', async () => {
    expect(filterInput('\x1b[31mred\x1b[0m')).toBe('red');
    // Bracketed-paste markers pass (a paste is one unit); what a paste carries is filtered.
    expect(filterInput('\x1b[200~pa\x1b[31msted\x1b[201~')).toBe('\x1b[200~pasted\x1b[201~');
    expect(filterInput('a\x1b]52;c;ZXZpbA==\x07b')).toBe('ab');
    expect(filterInput('\x1b[A\x1b[5~\x1b[1;5C\x1bOA\x1b1\x0e')).toBe(
      '\x1b[A\x1b[5~\x1b[1;5C\x1bOA\x1b1\x0e',
    );
    expect(filterInput('x\x9b31my')).toBe('x31my');
    h = await setup();
    await h.enter(filterInput('\x1b[31mcoloured\x1b[0m paste'));
    await h.until((f) => expect(f).toContain('me: coloured paste'));
  });
});
