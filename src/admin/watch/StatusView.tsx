import { Box, Text } from 'ink';
import { clean, formatBytes, formatRate } from '../output.js';
import type { InstanceRow } from '../status-document.js';
import { instanceCells } from '../status-text.js';
import { sparkline } from './sparkline.js';
import type { GoneInstance, WatchState } from './watch-state.js';

/** Column headers and widths: 100 columns in all, plus the sparkline when there is room. */
const COLUMNS = [
  ['INSTANCE', 9],
  ['STATE', 9],
  ['ADDRESS/PID', 22],
  ['UP', 7],
  ['CONNS', 6],
  ['ROOMS', 6],
  ['IN/s', 7],
  ['OUT/s', 7],
  ['RSS', 9],
  ['LAGms', 6],
  ['BOOT', 12],
] as const;
const BASE_WIDTH = COLUMNS.reduce((a, [, w]) => a + w, 0);
const SPARK_WIDTH = 16;
const SPARK_HEADER = 'MSGS/s';

function Cells({ cells, color }: { cells: string[]; color?: string }): React.JSX.Element {
  return (
    <Box>
      {cells.map((c, i) => (
        <Box key={i} width={COLUMNS[i]?.[1] ?? SPARK_WIDTH} flexShrink={0}>
          <Text {...(color ? { color } : {})} wrap="truncate">
            {c}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

function InstanceLine({
  i,
  history,
  spark,
}: {
  i: InstanceRow;
  history: number[];
  spark: boolean;
}): React.JSX.Element {
  return (
    <Cells
      color={i.state === 'ready' ? 'green' : 'yellow'}
      cells={[...instanceCells(i), ...(spark ? [sparkline(history, SPARK_WIDTH - 1)] : [])]}
    />
  );
}

function GoneLine({ g, now }: { g: GoneInstance; now: number }): React.JSX.Element {
  const ago = Math.max(0, Math.round((now - g.lastSeenAt) / 1000));
  return (
    <Cells
      color="red"
      cells={[
        clean(g.id),
        'gone',
        `no answer for ${ago}s`,
        '',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        clean(g.bootId),
      ]}
    />
  );
}

export interface StatusViewProps {
  server: string;
  state: WatchState;
  now: number;
  /** Terminal width: the rate sparkline is drawn when it fits. */
  width: number;
}

/** The `status --watch` screen: instances, gone instances, totals, Redis; q quits. */
export function StatusView({ server, state, now, width }: StatusViewProps): React.JSX.Element {
  const { doc, error } = state;
  const spark = width >= BASE_WIDTH + SPARK_WIDTH;
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>chat-admin status {clean(server)}</Text>
        <Text dimColor>
          {state.updatedAt
            ? `updated ${new Date(state.updatedAt).toISOString().slice(11, 19)}`
            : 'waiting'}
        </Text>
      </Box>
      <Box marginTop={1}>
        <Cells cells={[...COLUMNS.map(([h]) => h), ...(spark ? [SPARK_HEADER] : [])]} />
      </Box>
      {error ? (
        <Text color="red">
          no answer from the server for {Math.max(0, Math.round((now - error.since) / 1000))}s:{' '}
          {clean(error.message)}
        </Text>
      ) : null}
      {doc?.instances.map((i) => (
        <InstanceLine key={i.id} i={i} history={state.history[i.id] ?? []} spark={spark} />
      ))}
      {state.gone.map((g) => (
        <GoneLine key={`gone-${g.id}`} g={g} now={now} />
      ))}
      {doc ? (
        <Cells
          cells={[
            'total',
            `${doc.totals.instances} up`,
            '',
            '',
            String(doc.totals.connections),
            String(doc.totals.rooms),
            formatRate(doc.totals.msgsInPerSec),
            formatRate(doc.totals.msgsOutPerSec),
          ]}
        />
      ) : null}
      <Box marginTop={1}>
        {doc ? (
          doc.redis.ok ? (
            <Text>
              redis {clean(doc.redis.version ?? '?')} <Text color="green">ok</Text> ping{' '}
              {doc.redis.pingMs ?? '?'} ms, memory{' '}
              {formatBytes(doc.redis.usedMemoryBytes ?? undefined)},{' '}
              {doc.redis.connectedClients ?? '?'} clients
            </Text>
          ) : (
            <Text color="red">redis unreachable from the answering instance</Text>
          )
        ) : null}
      </Box>
      <Text dimColor>q quits</Text>
    </Box>
  );
}
