import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Keeps only what the keyboard legitimately sends. A paste in a real terminal can carry escape
 * sequences (`ESC[31m`, OSC 52, bracketed-paste markers) and ink 6.8's `useInput` throws on
 * some of them, so input is filtered before Ink sees it: known key sequences (arrows, PgUp,
 * Home, F-keys, Alt-x) and the bracketed-paste markers pass, every other CSI/OSC/DCS
 * sequence and every C1 byte is dropped (also inside a paste).
 */

// Escape sequences are what this file parses.
/* eslint-disable no-control-regex */

const CSI_KEY_FINALS = new Set(['A', 'B', 'C', 'D', 'E', 'F', 'H', 'P', 'Q', 'R', 'S', 'Z']);
/**
 * Alt with a key that sends a control character: Enter (CR; LF when the terminal maps it),
 * Backspace (DEL or BS), Tab. A terminal that sends Meta as an ESC prefix sends these.
 */
const ALT_CONTROL_KEYS = new Set(['\r', '\n', '\x7f', '\x08', '\t']);

/** Keys that end in `~`, and the bracketed-paste markers (200: start, 201: end). */
const CSI_TILDE_KEYS = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24, 200, 201,
]);

/**
 * Where the string-type sequence (OSC, DCS, APC, PM, SOS) starting at `i` ends, or undefined
 * when `s` ends first.
 */
function stringSequenceEnd(s: string, i: number): number | undefined {
  for (let j = i + 2; j < s.length; j++) {
    if (s[j] === '\x07') return j + 1;
    if (s[j] === '\x1b' && s[j + 1] === '\\') return j + 2;
  }
  return undefined;
}

/** Whether a CSI sequence (params + final) is one a keyboard sends. */
function isKeySequence(params: string, final: string): boolean {
  const parts = params.split(';');
  if (parts.length > 2 || !/^[0-9;]*$/.test(params)) return false;
  if (final === '~') return CSI_TILDE_KEYS.has(Number(parts[0]));
  if (!CSI_KEY_FINALS.has(final)) return false;
  return params === '' || (parts.length === 2 && parts[0] === '1');
}

/**
 * Filters `s` up to an escape sequence it ends in the middle of, which is returned apart as
 * `pending`: a read can end anywhere, and the rest of the sequence comes with the next one.
 */
function scan(s: string): { out: string; pending: string } {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    const cp = ch.charCodeAt(0);
    if (cp >= 0x80 && cp <= 0x9f) {
      i++;
      continue;
    }
    if (ch !== '\x1b') {
      out += ch;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined) {
      return { out, pending: ch };
    } else if (next === '\x1b') {
      out += ch;
      i++;
    } else if (next === '[') {
      const m = /^\x1b\[([0-9;:<=>?]*)([ -/]*)([@-~])/.exec(s.slice(i, i + 64));
      if (!m) {
        const rest = /^\x1b\[[0-9;:<=>?]*[ -/]*/.exec(s.slice(i))!;
        if (i + rest[0].length === s.length && rest[0].length < 64) {
          return { out, pending: rest[0] };
        }
        // An overlong or malformed sequence: drop what looks like its parameters.
        i += rest[0].length;
        continue;
      }
      const [all, params = '', inter = '', final = ''] = m;
      if (inter === '' && isKeySequence(params, final)) out += all;
      i += all.length;
    } else if (next === ']' || next === 'P' || next === '_' || next === '^' || next === 'X') {
      const end = stringSequenceEnd(s, i);
      if (end === undefined) {
        // Still inside it: keep only what finds its end (a clipboard paste can be huge).
        return { out, pending: `\x1b${next}${s.endsWith('\x1b') ? '\x1b' : ''}` };
      }
      i = end;
    } else if (next === 'O' && s[i + 2] === undefined) {
      return { out, pending: s.slice(i) };
    } else if (next === 'O' && /^[A-Z]$/.test(s[i + 2]!)) {
      out += s.slice(i, i + 3);
      i += 3;
    } else if ((next >= ' ' && next <= '~') || ALT_CONTROL_KEYS.has(next)) {
      out += ch + next; // Alt/Meta + key
      i += 2;
    } else {
      i += 2;
    }
  }
  return { out, pending: '' };
}

/** The keyboard input in `s`, a complete read (a lone ESC at its end is the Escape key). */
export function filterInput(s: string): string {
  const { out, pending } = scan(s);
  return pending === '\x1b' ? out + pending : out;
}

/**
 * {@link filterInput} over a stream of reads: an escape sequence split across two reads is
 * carried over and filtered whole, so a split `ESC[31m` never shows up as `[31m` typed.
 * What is still unfinished when input pauses is settled by {@link InputFilter.flush}.
 */
export class InputFilter {
  private pending = '';

  push(chunk: string): string {
    const r = scan(this.pending + chunk);
    this.pending = r.pending;
    return r.out;
  }

  /** Whether a sequence waits for its end. */
  get waiting(): boolean {
    return this.pending !== '';
  }

  /** Input paused: a lone ESC was the Escape key; an unfinished sequence is dropped. */
  flush(): string {
    const p = this.pending;
    this.pending = '';
    return p === '\x1b' ? p : '';
  }
}

/** How long an unfinished escape sequence waits for the rest of it (readline waits 500). */
const ESCAPE_WAIT_MS = 50;

/** The parts of a TTY read stream Ink uses. */
export interface TtySource extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  ref?(): unknown;
  unref?(): unknown;
}

/** A stdin for Ink that passes the source TTY's input through {@link filterInput}. */
export function filteredStdin(source: TtySource): NodeJS.ReadStream {
  const out = new PassThrough({ encoding: 'utf8' });
  // A read can also end inside a UTF-8 character.
  const utf8 = new StringDecoder('utf8');
  const filter = new InputFilter();
  let timer: NodeJS.Timeout | undefined;
  const write = (text: string): void => void (text && out.write(text));
  source.on('data', (chunk: Buffer | string) => {
    clearTimeout(timer);
    write(filter.push(typeof chunk === 'string' ? chunk : utf8.write(chunk)));
    if (filter.waiting) timer = setTimeout(() => write(filter.flush()), ESCAPE_WAIT_MS);
  });
  source.on('end', () => {
    clearTimeout(timer);
    write(filter.flush());
    out.end();
  });
  // A prompt before Ink (the first login) leaves stdin explicitly paused.
  source.resume();
  const tty = Object.assign(out, {
    isTTY: source.isTTY === true,
    setRawMode(mode: boolean) {
      source.setRawMode?.(mode);
      return tty;
    },
    ref() {
      source.ref?.();
      return tty;
    },
    unref() {
      source.unref?.();
      return tty;
    },
  });
  return tty as unknown as NodeJS.ReadStream;
}
