import { Box, Text } from 'ink';
import type { ConnectionLabel } from '../state/connection-label.js';

export interface HeaderProps {
  server: string;
  user: string | undefined;
  instanceId: string | undefined;
  rttMs: number | undefined;
  label: ConnectionLabel;
  status: string | undefined;
}

const TONE = { ok: 'green', busy: 'yellow', bad: 'red' } as const;
const DOT = { ok: '●', busy: '◌', bad: '✗' } as const;

/** Server, instance, connection state and round-trip time; below, what last happened. */
export function Header({ server, user, instanceId, rttMs, label, status }: HeaderProps) {
  const host = server.replace(/^https?:\/\//, '');
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box>
        <Text wrap="truncate-end">
          <Text bold inverse>
            {' chat-tui '}
          </Text>
          <Text>
            {' '}
            {user ? `${user}@` : ''}
            {host}
          </Text>
          <Text dimColor> │ </Text>
          <Text bold>{instanceId ?? '—'}</Text>
          <Text dimColor> │ </Text>
          <Text color={TONE[label.tone]}>
            {DOT[label.tone]} {label.text}
          </Text>
          {rttMs !== undefined && label.tone === 'ok' ? (
            <Text dimColor> │ rtt {rttMs < 10 ? rttMs.toFixed(1) : Math.round(rttMs)} ms</Text>
          ) : null}
        </Text>
      </Box>
      <Text dimColor wrap="truncate-end">
        {status ? `↻ ${status}` : ' '}
      </Text>
    </Box>
  );
}
