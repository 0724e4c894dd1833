import { Box, Text, Transform } from 'ink';
import type { ReactNode } from 'react';
import { userColor } from '../colors.js';
import type { Entry } from '../state/entries.js';

const LOCAL_COLOR = { status: 'cyan', notice: 'yellow', info: 'gray', error: 'red' } as const;

/** One entry of the message pane. */
export function EntryLine({ entry, width }: { entry: Entry; width: number }) {
  switch (entry.kind) {
    case 'day':
      return (
        <Text dimColor wrap="truncate-end">
          ─── {entry.label} ───
        </Text>
      );
    case 'gap':
      if (entry.reset) {
        return (
          <Text color="red" wrap="truncate-end">
            ─── history was reset on the server; what came before cannot be matched ───
          </Text>
        );
      }
      return (
        <Text color="red" wrap="truncate-end">
          ─── {entry.missing} message{entry.missing === 1 ? '' : 's'} missing here (no longer kept
          by the server) ───
        </Text>
      );
    case 'local':
      return (
        <Stamped time={entry.time} width={width}>
          <Text color={LOCAL_COLOR[entry.tone]} bold={entry.tone === 'notice'}>
            {entry.tone === 'status' ? '-- ' : entry.tone === 'notice' ? '!! ' : ''}
            {entry.text}
          </Text>
        </Stamped>
      );
    case 'message':
      return <MessageText entry={entry} width={width} />;
  }
}

function MessageText({
  entry,
  width,
}: {
  entry: Extract<Entry, { kind: 'message' }>;
  width: number;
}) {
  const mark =
    entry.mark === 'pending' ? (
      <Text dimColor> (sending…)</Text>
    ) : entry.mark === 'failed' ? (
      <Text color="red"> ✗ failed, will retry</Text>
    ) : entry.mark === 'rejected' ? (
      <Text color="red"> ✗ not sent: {entry.error ?? 'refused'}</Text>
    ) : null;
  const color = userColor(entry.from);
  let body;
  if (entry.messageKind === 'action') {
    body = (
      <Text color="magenta" italic>
        * <Text bold>{entry.from}</Text> {entry.text}
      </Text>
    );
  } else if (entry.messageKind === 'broadcast') {
    body = (
      <Text color="yellow" bold>
        [broadcast] {entry.from}: {entry.text}
      </Text>
    );
  } else {
    body = (
      <Text>
        <Text color={color} bold={entry.own}>
          {entry.from}
        </Text>
        <Text dimColor>: </Text>
        <Text dimColor={entry.mark === 'pending'}>{entry.text}</Text>
      </Text>
    );
  }
  return (
    <Stamped time={entry.time} width={width}>
      <Text>
        {body}
        {mark}
      </Text>
    </Stamped>
  );
}

/** Ink wraps keeping the space it broke at: drop it from the start of continuation lines. */
const dropBreakSpace = (line: string, index: number): string =>
  // eslint-disable-next-line no-control-regex
  index > 0 ? line.replace(/^((?:\x1b\[[0-9;]*m)*) /, '$1') : line;

/** A timestamp column; what follows wraps beside it, so continuation lines are indented. */
function Stamped({ time, width, children }: { time: string; width: number; children: ReactNode }) {
  const stamp = time.length + 1;
  return (
    <Box flexShrink={0} width={width}>
      <Box width={stamp} flexShrink={0}>
        <Text dimColor>{time}</Text>
      </Box>
      <Box width={Math.max(1, width - stamp)} flexShrink={0}>
        <Transform transform={dropBreakSpace}>{children}</Transform>
      </Box>
    </Box>
  );
}
