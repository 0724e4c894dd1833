import { createElement } from 'react';
import { render } from 'ink';
import { LiveProgress } from './LiveProgress.js';
import type { LiveView } from './runner.js';

// Its own module, imported only when stderr is a terminal: loading Ink (and its layout
// engine) costs the console most of a CPU-second, which a --json run never needs.

/** An Ink view on stderr (a terminal): a bar through the ramp and the running figures. */
export function inkView(warn: (line: string) => void): LiveView {
  let app: ReturnType<typeof render> | undefined;
  return {
    update(s) {
      const el = createElement(LiveProgress, { s: { ...s } });
      if (!app)
        app = render(el, { stdout: process.stderr, patchConsole: false, exitOnCtrlC: false });
      else app.rerender(el);
    },
    warn,
    stop() {
      app?.unmount();
      app = undefined;
    },
  };
}
