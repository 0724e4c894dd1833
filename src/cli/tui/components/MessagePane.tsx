import { Box, Text } from 'ink';
import type { Entry } from '../state/entries.js';
import { EntryLine } from './EntryLine.js';

export interface MessagePaneProps {
  entries: Entry[];
  /** Entries scrolled up from the bottom. */
  offset: number;
  newBelow: number;
  height: number;
  width: number;
}

/**
 * The newest entries that fit, bottom-aligned; entries taller than one row push the oldest
 * ones off the top. Scrolled up, the last row says what is below.
 */
export function MessagePane({ entries, offset, newBelow, height, width }: MessagePaneProps) {
  const rows = Math.max(1, offset > 0 ? height - 1 : height);
  const end = entries.length - offset;
  const shown = entries.slice(Math.max(0, end - rows), end);
  return (
    <Box flexDirection="column" height={height} width={width} flexShrink={0}>
      <Box
        flexDirection="column"
        justifyContent="flex-end"
        height={rows}
        overflowY="hidden"
        flexShrink={0}
      >
        {shown.map((e) => (
          <Box key={e.key} flexShrink={0} width={width}>
            <EntryLine entry={e} width={width} />
          </Box>
        ))}
      </Box>
      {offset > 0 ? (
        <Text inverse color={newBelow > 0 ? 'yellow' : undefined} wrap="truncate-end">
          {newBelow > 0
            ? ` ↓ ${newBelow} new message${newBelow === 1 ? '' : 's'} below (PgDn) `
            : ` ↓ ${offset} more below (PgDn, End) `}
        </Text>
      ) : null}
    </Box>
  );
}
