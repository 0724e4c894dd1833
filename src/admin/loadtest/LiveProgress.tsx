import { Box, Text } from 'ink';
import { connectedPart, figures, phaseDetail, showsBar } from './progress-text.js';
import type { LiveState } from './runner.js';

const WIDTH = 30;

function bar(fraction: number): string {
  const n = Math.round(fraction * WIDTH);
  return `${'█'.repeat(n)}${'░'.repeat(WIDTH - n)}`;
}

/**
 * The live view of a load test: the phase, while users connect and chat a bar of clients
 * connected (the bar and its percentage are the connected/requested count, never the time,
 * so they cannot disagree), where the run is, then the running figures.
 */
export function LiveProgress({ s }: { s: LiveState }) {
  const part = connectedPart(s);
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="cyan">{s.phase.padEnd(8)}</Text>{' '}
        {showsBar(s) ? `${bar(part)} ${Math.round(part * 100)}% connected · ` : ''}
        {phaseDetail(s)}
      </Text>
      <Text>
        connected {s.connected}/{s.requested}
        {s.failed > 0 ? <Text color="red"> ({s.failed} failed)</Text> : null} · {figures(s)}
      </Text>
    </Box>
  );
}
