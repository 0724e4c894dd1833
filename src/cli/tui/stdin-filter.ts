import { PassThrough } from 'node:stream';

/**
 * Keeps only what the keyboard legitimately sends. A paste in a real terminal can carry escape
 * sequences (`ESC[31m`, OSC 52, bracketed-paste markers) and ink 6.8's `useInput` throws on
 * some of them, so input is filtered before Ink sees it: known key sequences (arrows, PgUp,
 * Home, F-keys, Alt-x) pass, every other CSI/OSC/DCS sequence and every C1 byte is dropped.
 */

// Escape sequences are what this file parses.
/* eslint-disable no-control-regex */

const CSI_KEY_FINALS = new Set(['A', 'B', 'C', 'D', 'E', 'F', 'H', 'P', 'Q', 'R', 'S', 'Z']);
const CSI_TILDE_KEYS = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24,
]);

/** Length of the string-type sequence (OSC, DCS, APC, PM, SOS) starting at `i`, to its end. */
function stringSequenceEnd(s: string, i: number): number {
  for (let j = i + 2; j < s.length; j++) {
    if (s[j] === '\x07') return j + 1;
    if (s[j] === '\x1b' && s[j + 1] === '\\') return j + 2;
  }
  return s.length;
}

/** Whether a CSI sequence (params + final) is one a keyboard sends. */
function isKeySequence(params: string, final: string): boolean {
  const parts = params.split(';');
  if (parts.length > 2 || !/^[0-9;]*$/.test(params)) return false;
  if (final === '~') return CSI_TILDE_KEYS.has(Number(parts[0]));
  if (!CSI_KEY_FINALS.has(final)) return false;
  return params === '' || (parts.length === 2 && parts[0] === '1');
}

export function filterInput(s: string): string {
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
    if (next === undefined || next === '\x1b') {
      out += ch;
      i++;
    } else if (next === '[') {
      const m = /^\x1b\[([0-9;:<=>?]*)([ -/]*)([@-~])/.exec(s.slice(i, i + 64));
      if (!m) {
        // An unfinished or overlong sequence: drop what looks like its parameters.
        const rest = /^\x1b\[[0-9;:<=>?]*[ -/]*/.exec(s.slice(i))!;
        i += rest[0].length;
        continue;
      }
      const [all, params = '', inter = '', final = ''] = m;
      if (inter === '' && isKeySequence(params, final)) out += all;
      i += all.length;
    } else if (next === ']' || next === 'P' || next === '_' || next === '^' || next === 'X') {
      i = stringSequenceEnd(s, i);
    } else if (next === 'O' && /^[A-Z]$/.test(s[i + 2] ?? '')) {
      out += s.slice(i, i + 3);
      i += 3;
    } else if (next >= ' ' && next <= '~') {
      out += ch + next; // Alt/Meta + key
      i += 2;
    } else {
      i += 2;
    }
  }
  return out;
}

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
  source.on('data', (chunk: Buffer | string) => {
    const text = filterInput(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (text) out.write(text);
  });
  source.on('end', () => out.end());
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
