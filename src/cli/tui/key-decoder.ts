/**
 * Terminal input decoded key by key, as a line editor (Node's readline) does it: a read that
 * holds several keys (`abcd<DEL>e` typed in a burst over ssh, `tmux send-keys 'abcd' BSpace
 * 'e'`) yields each of them in order, so a Backspace, Ctrl-W or Ctrl-U inside a burst is
 * never lost. A bracketed paste (`ESC[200~ ... ESC[201~`, possibly spread over many reads)
 * yields one `paste` key holding its whole text.
 */

// Escape sequences and control characters are what this file decodes.
/* eslint-disable no-control-regex */

export type KeyName =
  /** Printable text: one key or a run of them typed in one read (graphemes stay whole). */
  | 'text'
  /** Enter (CR). With `meta` (Alt-Enter) it inserts a line break, as Ctrl-J does. */
  | 'return'
  /** Ctrl-J (LF). */
  | 'linefeed'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  /** A bracketed paste: `text` is all of it, line breaks as `\n`. */
  | 'paste'
  /**
   * Text with line breaks in one read from a terminal without bracketed paste (an old
   * terminal's paste, a script): `text` as it came, line breaks as `\n`.
   */
  | 'lines'
  /** Ctrl or Alt with a letter or digit: `text` is the letter (`ctrl`/`meta` say which). */
  | 'chord'
  /** Anything else (F-keys, Insert, unknown sequences): bound to nothing. */
  | 'other';

/** One key press, or one paste. */
export interface Key {
  name: KeyName;
  text: string;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
}

const key = (name: KeyName, mods: Partial<Omit<Key, 'name'>> = {}): Key => ({
  name,
  text: '',
  ctrl: false,
  meta: false,
  shift: false,
  ...mods,
});

export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

const CSI_FINAL: Record<string, KeyName> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
};
const CSI_TILDE: Record<string, KeyName> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

/** xterm's modifier parameter (`ESC[1;5C`: 5 = 1 + ctrl 4). */
function modifiers(param: string | undefined): Pick<Key, 'ctrl' | 'meta' | 'shift'> {
  const m = Math.max(0, Number(param ?? 1) - 1);
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0, ctrl: (m & 4) !== 0 };
}

/** A CSI or SS3 sequence at the start of `s`: its key and length, or undefined. */
function escapeSequence(s: string): { key: Key; length: number } | undefined {
  const csi = /^\x1b\[([0-9;]*)([@-~])/.exec(s);
  if (csi) {
    const [all, params = '', final = ''] = csi;
    const [first, mod] = params.split(';');
    if (final === 'Z') return { key: key('tab', { shift: true }), length: all.length };
    const name = final === '~' ? CSI_TILDE[first ?? ''] : CSI_FINAL[final];
    return { key: key(name ?? 'other', name ? modifiers(mod) : {}), length: all.length };
  }
  const ss3 = /^\x1bO([A-Z])/.exec(s);
  if (ss3) return { key: key(CSI_FINAL[ss3[1]!] ?? 'other'), length: 3 };
  return undefined;
}

/** A control character as a key (Enter, Tab, Backspace, Ctrl-letter). */
function controlKey(ch: string): Key {
  if (ch === '\r') return key('return');
  if (ch === '\n') return key('linefeed');
  if (ch === '\t') return key('tab');
  if (ch === '\x7f' || ch === '\b') return key('backspace');
  const cp = ch.charCodeAt(0);
  if (cp >= 1 && cp <= 26) return key('chord', { ctrl: true, text: String.fromCharCode(cp + 96) });
  return key('other');
}

const isControl = (ch: string): boolean => /^[\x00-\x1f\x7f-\x9f]$/.test(ch);

/**
 * Line breaks as `\n`, tabs as spaces, escape sequences and every other control character
 * dropped: pasted text as it is kept and sent.
 */
export function pastedText(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;:<=>?]*[ -/]*[@-~]/g, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '    ')
    .replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, '');
}

/**
 * The keys in one run of text without escape sequences. A run that goes on after a line
 * break is the paste of a terminal without bracketed paste (or a script's lines): it stays
 * one `lines` key, as before bracketed paste, so the question about many lines still comes.
 */
function decodeRun(run: string, out: Key[]): void {
  if (/[\r\n][^\r\n]/.test(run) && /[^\x00-\x1f\x7f]/.test(run)) {
    out.push(key('lines', { text: pastedText(run) }));
    return;
  }
  let text = '';
  for (const ch of run) {
    if (!isControl(ch)) {
      text += ch;
      continue;
    }
    if (text) out.push(key('text', { text }));
    text = '';
    out.push(controlKey(ch));
  }
  if (text) out.push(key('text', { text }));
}

/** Decodes a complete piece of input (no paste in progress) into `out`. */
function decodeKeys(s: string, out: Key[]): void {
  let i = 0;
  while (i < s.length) {
    const esc = s.indexOf('\x1b', i);
    if (esc === -1) return decodeRun(s.slice(i), out);
    if (esc > i) decodeRun(s.slice(i, esc), out);
    i = esc;
    const rest = s.slice(i);
    const seq = escapeSequence(rest);
    if (seq) {
      out.push(seq.key);
      i += seq.length;
      continue;
    }
    const next = rest[1];
    if (next === undefined) {
      out.push(key('escape'));
      return;
    }
    if (next === '\x1b') {
      // ESC ESC [A: Alt with a key that is itself a sequence (rxvt); ESC ESC: Escape twice.
      const inner = escapeSequence(rest.slice(1));
      if (inner) {
        out.push({ ...inner.key, meta: true });
        i += 1 + inner.length;
      } else {
        out.push(key('escape'));
        i += 1;
      }
      continue;
    }
    // Alt with a key: ESC then the key's own character.
    const ch = String.fromCodePoint(rest.codePointAt(1)!);
    const plain = isControl(ch) ? controlKey(ch) : key('chord', { text: ch });
    out.push({ ...plain, meta: true });
    i += 1 + ch.length;
  }
}

/**
 * Decodes reads of terminal input into keys. Each read is expected whole as far as escape
 * sequences go (the stdin filter and Ink both hold a sequence split between reads until its
 * end comes); a bracketed paste may span any number of reads.
 */
export class KeyDecoder {
  /** The paste read so far, while one is in progress. */
  private paste: string | undefined;

  /** Whether a bracketed paste has begun and not ended yet. */
  get pasting(): boolean {
    return this.paste !== undefined;
  }

  push(chunk: string): Key[] {
    const out: Key[] = [];
    let s = chunk;
    while (s !== '') {
      if (this.paste !== undefined) {
        const all = this.paste + s;
        const end = all.indexOf(PASTE_END);
        if (end === -1) {
          this.paste = all;
          return out;
        }
        this.paste = all.slice(0, end);
        s = all.slice(end + PASTE_END.length);
        out.push(...this.flush());
        continue;
      }
      const start = s.indexOf(PASTE_START);
      decodeKeys(start === -1 ? s : s.slice(0, start), out);
      if (start === -1) break;
      this.paste = '';
      s = s.slice(start + PASTE_START.length);
    }
    return out;
  }

  /**
   * Ends a paste whose end marker never came (the terminal lost it): what was pasted so far
   * is one paste. Nothing when no paste is in progress.
   */
  flush(): Key[] {
    const raw = this.paste;
    this.paste = undefined;
    if (raw === undefined) return [];
    const text = pastedText(raw);
    return text === '' ? [] : [key('paste', { text })];
  }
}
