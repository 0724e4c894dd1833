import type { LiveState, LiveView } from './runner.js';
import { plainLine } from './progress-text.js';

/** Plain lines on stderr (not a terminal): one every few seconds and one per phase change. */
export function plainView(
  write: (line: string) => void,
  warn: (line: string) => void,
  everyMs = 2000,
): LiveView {
  let last = 0;
  let phase = '';
  return {
    update(s: LiveState) {
      const now = performance.now();
      if (s.phase === phase && now - last < everyMs) return;
      phase = s.phase;
      last = now;
      write(plainLine(s));
    },
    warn,
    stop() {},
  };
}
