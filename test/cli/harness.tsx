import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import { App } from '../../src/cli/tui/components/App.js';
import { ChatStore, type ChatStoreOptions } from '../../src/cli/tui/state/chat-store.js';
import { FakeChat, T0 } from './fake-chat.js';
import { filterInput } from '../../src/cli/tui/stdin-filter.js';

process.env.TZ = 'UTC';

export interface Harness {
  chat: FakeChat;
  store: ChatStore;
  frame(): string;
  /** Waits until the frame satisfies `check` (it throws until it does). */
  until(check: (frame: string) => void, timeout?: number): Promise<void>;
  /** Types text, waits for it to show, then presses Enter (a separate write: see TRAPS). */
  enter(text: string): Promise<void>;
  key(seq: string): void;
  /** How many times the terminal bell (BEL) was written to stdout (not counting OSC ends). */
  bells(): number;
  /** Everything written to stdout between frames and in them, in order (escape sequences too). */
  written(): string;
  /** Redraws at another terminal size, as a resize does. */
  resize(columns: number, rows: number): void;
  unmount(): void;
}

/** A frame without its colour codes (tests that draw with colours on read text through it). */
// eslint-disable-next-line no-control-regex
export const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The tab bar of a frame (its third line: header, status, tabs), as text. */
export const tabs = (f: string): string => plain(f.split('\n')[2] ?? '');

export const KEYS = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  end: '\x1b[F',
  left: '\x1b[D',
  right: '\x1b[C',
  backspace: '\x7f',
  ctrlA: '\x01',
  ctrlE: '\x05',
  ctrlN: '\x0e',
  ctrlP: '\x10',
  ctrlC: '\x03',
  ctrlU: '\x15',
  tab: '\t',
  shiftTab: '\x1b[Z',
  alt: (n: number) => `\x1b${n}`,
} as const;

export async function setup(
  opts: {
    rooms?: string[];
    columns?: number;
    rows?: number;
    now?: () => number;
    bell?: 'mentions' | 'off';
    notify?: ChatStoreOptions['notify'];
    ignore?: ChatStoreOptions['ignore'];
    links?: boolean;
    /** Sets up what the server holds before the client starts (rooms, read markers). */
    before?: (chat: FakeChat) => void;
  } = {},
): Promise<Harness> {
  const chat = new FakeChat();
  opts.before?.(chat);
  const store = new ChatStore(chat, {
    user: 'me',
    tickMs: 0,
    now: opts.now ?? (() => T0),
    ...(opts.bell ? { bell: opts.bell } : {}),
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.ignore ? { ignore: opts.ignore } : {}),
    ...(opts.links ? { links: opts.links } : {}),
  });
  const size =
    opts.columns || opts.rows ? { columns: opts.columns ?? 100, rows: opts.rows ?? 24 } : undefined;
  const app = render(<App store={store} {...(size ? { size } : {})} />);
  await store.start(opts.rooms ?? ['lobby']);
  const frame = (): string => app.lastFrame() ?? '';
  const until = (check: (f: string) => void, timeout = 3000): Promise<void> =>
    vi.waitFor(() => check(frame()), { timeout, interval: 5 });
  return {
    chat,
    store,
    frame,
    until,
    async enter(text: string) {
      app.stdin.write(text);
      await until((f) => {
        if (!f.includes(text.slice(-20))) throw new Error(`input not shown: ${text}`);
      });
      app.stdin.write('\r');
    },
    // Through the filter the real stdin goes through (a complete read: see filterInput).
    key: (seq) => app.stdin.write(filterInput(seq)),
    bells: () =>
      app.frames.reduce(
        // eslint-disable-next-line no-control-regex
        (n, f) => n + f.replace(/\x1b\][^\x07]*\x07/g, '').split('\x07').length - 1,
        0,
      ),
    written: () => app.frames.join(''),
    resize: (columns, rows) => app.rerender(<App store={store} size={{ columns, rows }} />),
    unmount: () => {
      app.unmount();
      store.dispose();
    },
  };
}
