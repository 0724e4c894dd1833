import type { LiveState, LiveView } from './runner.js';

const line = (s: LiveState): string =>
  `loadtest: ${s.phase} ${(s.elapsedMs / 1000).toFixed(0)}s/${(s.totalMs / 1000).toFixed(0)}s ` +
  `connected ${s.connected}/${s.requested} failed ${s.failed} sent ${s.sent} ` +
  `delivered ${s.delivered} (${s.deliveredPerSec}/s) p99 ${s.p99Ms} ms`;

/** Plain lines on stderr (not a terminal): one every few seconds and one per phase change. */
export function plainView(
  write: (line: string) => void,
  warn: (line: string) => void,
  everyMs = 2000,
): LiveView {
  let last = 0;
  let phase = '';
  return {
    update(s) {
      const now = performance.now();
      if (s.phase === phase && now - last < everyMs) return;
      phase = s.phase;
      last = now;
      write(line(s));
    },
    warn,
    stop() {},
  };
}
