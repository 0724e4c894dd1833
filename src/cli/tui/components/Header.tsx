import { Box, Text } from 'ink';
import stringWidth from 'string-width';
import type { ConnectionLabel } from '../state/connection-label.js';

export interface HeaderProps {
  server: string;
  user: string | undefined;
  /** The instance serving us; undefined while not connected (none is). */
  instanceId: string | undefined;
  rttMs: number | undefined;
  label: ConnectionLabel;
  /** What last happened to the connection, while it is up. */
  status: string | undefined;
  width: number;
}

const TONE = { ok: 'green', busy: 'yellow', bad: 'red' } as const;
const DOT = { ok: '●', busy: '◌', bad: '✗' } as const;
/** Before the status line: what happened (up), why it is down (retrying), why it ended. */
const MARK = { ok: '↻', busy: '…', bad: '✗' } as const;
const SEP = ' │ ';
const BRAND = ' chat-tui ';

/**
 * Which parts of the first line fit in `width`: the connection state always (it is what a
 * person looks for), then the instance, who and where, the program's name and the round-trip
 * time, dropped in the reverse order.
 */
export function headerFit(p: HeaderProps): {
  brand: boolean;
  who: boolean;
  rtt: boolean;
  instance: boolean;
} {
  const state = stringWidth(`${DOT[p.label.tone]} ${p.label.text}`);
  const who = stringWidth(` ${whoText(p)}`);
  const instance = p.instanceId ? stringWidth(p.instanceId) + SEP.length : 0;
  const rtt = p.rttMs !== undefined && p.label.tone === 'ok' ? rttText(p.rttMs).length : 0;
  const parts = { brand: true, who: true, rtt: rtt > 0, instance: instance > 0 };
  const used = (): number =>
    (parts.brand ? BRAND.length : 0) +
    (parts.who ? who + SEP.length : parts.brand ? 1 : 0) +
    (parts.instance ? instance : 0) +
    state +
    (parts.rtt ? rtt : 0);
  for (const drop of ['rtt', 'brand', 'who', 'instance'] as const) {
    if (used() <= p.width) break;
    parts[drop] = false;
  }
  return parts;
}

const whoText = (p: HeaderProps): string =>
  `${p.user ? `${p.user}@` : ''}${p.server.replace(/^https?:\/\//, '')}`;
const rttText = (ms: number): string => `${SEP}rtt ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;

/**
 * Server, instance, connection state and round-trip time, fitted to the width; below, one
 * current status: why the connection is down while it is, else what last happened to it.
 */
export function Header(p: HeaderProps) {
  const fit = headerFit(p);
  const line2 = p.label.tone === 'ok' ? p.status : p.label.why;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box>
        <Text wrap="truncate-end">
          {fit.brand ? (
            <Text bold inverse>
              {BRAND}
            </Text>
          ) : null}
          {fit.who ? (
            <Text>
              {' '}
              {whoText(p)}
              <Text dimColor>{SEP}</Text>
            </Text>
          ) : fit.brand ? (
            <Text> </Text>
          ) : null}
          {fit.instance ? (
            <Text>
              <Text bold>{p.instanceId}</Text>
              <Text dimColor>{SEP}</Text>
            </Text>
          ) : null}
          <Text color={TONE[p.label.tone]}>
            {DOT[p.label.tone]} {p.label.text}
          </Text>
          {fit.rtt && p.rttMs !== undefined ? <Text dimColor>{rttText(p.rttMs)}</Text> : null}
        </Text>
      </Box>
      <Text dimColor wrap="truncate-end">
        {line2 ? `${MARK[p.label.tone]} ${line2}` : ' '}
      </Text>
    </Box>
  );
}
