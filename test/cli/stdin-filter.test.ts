import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputFilter, filterInput, filteredStdin } from '../../src/cli/tui/stdin-filter.js';

/** A paste as a terminal delivers it: colours, a clipboard OSC, keys, a wide character. */
const PASTE =
  'a\x1b[31mred\x1b[0m b\x1b]52;c;ZXZpbA==\x1b\\c\x1b[5~d\x1bOAe\x1b]0;t\x07f😀g\x1b[1;5Ch';
const WANT = 'ared bc\x1b[5~d\x1bOAef😀g\x1b[1;5Ch';

describe('stdin filter across reads', () => {
  it('the whole paste filters to its text and its keys', () => {
    expect(filterInput(PASTE)).toBe(WANT);
  });

  it('keeps Alt with Enter, Backspace and Tab (ESC and the control key), drops ESC with others', () => {
    expect(filterInput('a\x1b\rb\x1b\nc\x1b\x7fd\x1b\x08e\x1b\tf')).toBe(
      'a\x1b\rb\x1b\nc\x1b\x7fd\x1b\x08e\x1b\tf',
    );
    expect(filterInput('a\x1b\x01b\x1b\x00c')).toBe('abc');
  });

  it('split at every point, two reads filter exactly like one', () => {
    for (let at = 0; at <= PASTE.length; at++) {
      const f = new InputFilter();
      const got = f.push(PASTE.slice(0, at)) + f.push(PASTE.slice(at)) + f.flush();
      expect(got, `split at ${at}: ${JSON.stringify(PASTE.slice(0, at))}`).toBe(WANT);
    }
  });

  it('a lone ESC is the Escape key once input pauses; an unfinished sequence is dropped', () => {
    const f = new InputFilter();
    expect(f.push('x\x1b')).toBe('x');
    expect(f.waiting).toBe(true);
    expect(f.flush()).toBe('\x1b');
    expect(f.push('\x1b[3')).toBe('');
    expect(f.flush()).toBe('');
    expect(f.push('1my')).toBe('1my'); // too late to be part of it: plain text now
  });

  it('a clipboard OSC spread over many reads is skipped whole, however long', () => {
    const f = new InputFilter();
    let got = f.push('start\x1b]52;c;');
    for (let i = 0; i < 200; i++) got += f.push('QUFB'.repeat(256));
    got += f.push('\x1b');
    got += f.push('\\end');
    expect(got + f.flush()).toBe('startend');
  });

  it('through the stdin Ink reads: a colour sequence split over two reads never leaks as text', async () => {
    const source = new PassThrough();
    const stdin = filteredStdin(source);
    const chunks: string[] = [];
    stdin.on('data', (d: string) => chunks.push(d));
    source.write(Buffer.from('hi \x1b[3'));
    source.write(Buffer.from('1mred\x1b'));
    source.write(Buffer.from('[0m ok '));
    // A UTF-8 character split between reads survives too.
    const smile = Buffer.from('😀');
    source.write(smile.subarray(0, 2));
    source.write(Buffer.concat([smile.subarray(2), Buffer.from('\x1b')]));
    source.end();
    await new Promise((r) => stdin.once('end', r));
    expect(chunks.join('')).toBe('hi red ok 😀\x1b');
  });
});
