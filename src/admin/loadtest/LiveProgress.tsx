import { Box, Text } from 'ink';
import type { LiveState } from './runner.js';

const WIDTH = 30;

function bar(fraction: number): string {
  const n = Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
  return `${'█'.repeat(n)}${'░'.repeat(WIDTH - n)}`;
}

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * The live view of a load test: the ramp as a bar of clients connected (the bar and its
 * percentage are the connected/requested count, never the time, so they cannot disagree),
 * the time through the run, then the running figures.
 */
export function LiveProgress({ s }: { s: LiveState }) {
  const connectedPart = s.requested === 0 ? 1 : s.connected / s.requested;
  const runDone = s.totalMs === 0 ? 1 : s.elapsedMs / s.totalMs;
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="cyan">{s.phase.padEnd(8)}</Text> ramp {bar(connectedPart)}{' '}
        {Math.round(Math.min(1, connectedPart) * 100)}% connected · {secs(s.elapsedMs)} of{' '}
        {secs(s.totalMs)} ({Math.round(Math.min(1, runDone) * 100)}%)
      </Text>
      <Text>
        connected {s.connected}/{s.requested}
        {s.failed > 0 ? <Text color="red"> ({s.failed} failed)</Text> : null} · sent {s.sent} ·
        delivered {s.delivered} ({s.deliveredPerSec}/s) · p99 {s.p99Ms} ms
      </Text>
    </Box>
  );
}
