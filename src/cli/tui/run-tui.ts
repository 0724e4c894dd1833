import { render } from 'ink';
import { createElement } from 'react';
import type { ChatClient } from '../../client/chat-client.js';
import { Settings } from '../settings.js';
import { App } from './components/App.js';
import { ChatStore } from './state/chat-store.js';
import { terminalLinks } from './state/links.js';
import { inPlaceFrames } from './screen-writer.js';
import { filteredStdin } from './stdin-filter.js';

// Bracketed paste (`?2004`) on while the client runs: a terminal then wraps a paste in
// ESC[200~ ... ESC[201~, and the client takes it as one unit (see key-decoder.ts).
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H\x1b[?2004h';
const LEAVE_ALT_SCREEN = '\x1b[?2004l\x1b[?25h\x1b[?1049l';

/**
 * Runs the full-screen client until the user quits. The alternate screen and bracketed paste
 * are turned on and off by hand so that the terminal is restored on every way out: quit,
 * Ctrl-C, a signal, a crash.
 */
export async function runTui(client: ChatClient, user: string, rooms: string[]): Promise<void> {
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALT_SCREEN);
  };
  process.on('exit', restore);
  const crash = (err: unknown): void => {
    restore();
    process.stderr.write(
      `chat-tui crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    process.once(sig, () => {
      client.close();
      restore();
      process.exit(0);
    });
  }

  process.stdout.write(ENTER_ALT_SCREEN);
  const settings = new Settings();
  const store = new ChatStore(client, {
    user,
    bell: settings.bell,
    notify: settings.notify,
    links: settings.links === 'auto' ? terminalLinks() : settings.links === 'on',
    ignore: settings,
  });
  const app = render(createElement(App, { store }), {
    stdin: filteredStdin(process.stdin),
    stdout: inPlaceFrames(process.stdout),
    exitOnCtrlC: false,
    patchConsole: true,
  });
  client.connect().then(
    () => store.start(rooms),
    () => undefined, // the header shows why
  );
  try {
    await app.waitUntilExit();
  } finally {
    // Leave the alternate screen first, so that an error printed next stays visible.
    store.dispose();
    client.close();
    restore();
  }
}
