import { Box, Text } from 'ink';
import type { Entry } from '../state/entries.js';
import {
  offsetOf,
  viewRows,
  visibleWindow,
  type PaneLayout,
  type ScrollAnchor,
} from '../state/pane-layout.js';
import { EntryLine } from './EntryLine.js';

export interface MessagePaneProps {
  entries: Entry[];
  /** The entries measured at this width (see pane-layout.ts). */
  layout: PaneLayout;
  /** Where it is scrolled to; undefined: at the bottom, following new messages. */
  anchor: ScrollAnchor | undefined;
  newBelow: number;
  height: number;
  width: number;
}

/**
 * The rows in view, bottom-aligned at the newest. Scrolled up, the view can start or end
 * inside a tall entry (its other rows are clipped), and the last row says what is below.
 */
export function MessagePane({
  entries,
  layout,
  anchor,
  newBelow,
  height,
  width,
}: MessagePaneProps) {
  const offset = offsetOf(anchor, layout, height);
  const rows = viewRows(height, offset);
  const { from, to, clipTop, below } = visibleWindow(layout, offset, height);
  const shown = entries.slice(from, to);
  // Fewer rows than the view holds: they sit at the bottom, as a chat's newest lines do.
  const short = layout.total < rows;
  return (
    <Box flexDirection="column" height={height} width={width} flexShrink={0}>
      <Box
        flexDirection="column"
        justifyContent={short ? 'flex-end' : 'flex-start'}
        height={rows}
        overflowY="hidden"
        flexShrink={0}
      >
        <Box flexDirection="column" flexShrink={0} marginTop={short ? 0 : -clipTop}>
          {shown.map((e, i) => (
            <Box key={e.key} flexShrink={0} width={width}>
              <EntryLine entry={e} width={width} hiddenRows={i === 0 && !short ? clipTop : 0} />
            </Box>
          ))}
        </Box>
      </Box>
      {offset > 0 ? (
        <Text inverse color={newBelow > 0 ? 'yellow' : undefined} wrap="truncate-end">
          {newBelow > 0
            ? ` ↓ ${newBelow} new message${newBelow === 1 ? '' : 's'} below (PgDn) `
            : ` ↓ ${below} more below (PgDn, End) `}
        </Text>
      ) : null}
    </Box>
  );
}
