import { Box, Text } from 'ink';
import { clean, formatBytes, formatRate } from '../output.js';
import type { InstanceRow } from '../status-document.js';
import { instanceCells } from '../status-text.js';
import { HEADER_CELLS, SPARK, watchLayout, type WatchLayout } from './columns.js';
import { sparkline } from './sparkline.js';
import type { GoneInstance, WatchState } from './watch-state.js';

/** One cell: its width keeps a blank column on the right (none after the row's last). */
function Cell({
  text,
  width,
  last,
  color,
}: {
  text: string;
  width: number;
  last: boolean;
  color?: string | undefined;
}): React.JSX.Element {
  return (
    <Box width={width - 1} marginRight={last ? 0 : 1} flexShrink={0}>
      <Text {...(color ? { color } : {})} wrap="truncate">
        {text}
      </Text>
    </Box>
  );
}

/** A row of the layout's columns, taking each from `cells` (indexed as `instanceCells`). */
function Cells({
  layout,
  cells,
  spark,
  color,
}: {
  layout: WatchLayout;
  cells: string[];
  /** The sparkline cell, drawn when the layout has room for it. */
  spark?: string;
  color?: string;
}): React.JSX.Element {
  const withSpark = layout.spark && spark !== undefined;
  return (
    <Box>
      {layout.columns.map((c, n) => (
        <Cell
          key={c.header}
          text={cells[c.cell] ?? ''}
          width={c.width}
          last={!withSpark && n === layout.columns.length - 1}
          color={color}
        />
      ))}
      {withSpark ? <Cell text={spark} width={SPARK.width} last color={color} /> : null}
    </Box>
  );
}

function InstanceLine({
  i,
  history,
  layout,
}: {
  i: InstanceRow;
  history: number[];
  layout: WatchLayout;
}): React.JSX.Element {
  return (
    <Cells
      layout={layout}
      color={i.state === 'ready' ? 'green' : 'yellow'}
      cells={instanceCells(i)}
      spark={sparkline(history, SPARK.bars)}
    />
  );
}

/** A gone instance: its id, "gone", how long it has not answered (across the count columns), its boot id. */
function GoneLine({
  g,
  now,
  layout,
}: {
  g: GoneInstance;
  now: number;
  layout: WatchLayout;
}): React.JSX.Element {
  const ago = Math.max(0, Math.round((now - g.lastSeenAt) / 1000));
  const [id, state, ...middle] = layout.columns;
  const boot = middle.pop();
  const span = middle.reduce((a, c) => a + c.width, 0);
  return (
    <Box>
      {id ? <Cell text={clean(g.id)} width={id.width} last={false} color="red" /> : null}
      {state ? <Cell text="gone" width={state.width} last={false} color="red" /> : null}
      <Cell text={`no answer for ${ago}s`} width={span} last={false} color="red" />
      {boot ? <Cell text={clean(g.bootId)} width={boot.width} last color="red" /> : null}
    </Box>
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
  const layout = watchLayout(width);
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
        <Cells layout={layout} cells={HEADER_CELLS} spark={SPARK.header} />
      </Box>
      {error ? (
        <Text color="red">
          no answer from the server for {Math.max(0, Math.round((now - error.since) / 1000))}s:{' '}
          {clean(error.message)}
        </Text>
      ) : null}
      {doc?.instances.map((i) => (
        <InstanceLine key={i.id} i={i} history={state.history[i.bootId] ?? []} layout={layout} />
      ))}
      {state.gone.map((g) => (
        <GoneLine key={`gone-${g.id}`} g={g} now={now} layout={layout} />
      ))}
      {doc ? (
        <Cells
          layout={layout}
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
