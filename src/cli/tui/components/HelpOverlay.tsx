import { Box, Text } from 'ink';
import { clampHelpTop, helpBodyRows, type HelpLine } from '../state/help-lines.js';

export interface HelpOverlayProps {
  lines: HelpLine[];
  /** The first line in view (it is clamped to the last full page). */
  top: number;
  height: number;
  width: number;
}

/**
 * `/help`, drawn over the message pane: a title row, the help text (scrolled by the keys),
 * and a footer that says what is above or below, or how to close it. Nothing of it goes into
 * a room's history.
 */
export function HelpOverlay({ lines, top, height, width }: HelpOverlayProps) {
  const rows = helpBodyRows(height);
  const from = clampHelpTop(top, lines.length, height);
  const shown = lines.slice(from, from + rows);
  const below = lines.length - from - shown.length;
  const footer =
    below > 0
      ? ` ↓ ${below} more (↓, PgDn) · Esc closes `
      : from > 0
        ? ' ↑ more above (↑, PgUp) · Esc closes '
        : ' Esc, q or Enter closes ';
  return (
    <Box flexDirection="column" height={height} width={width} flexShrink={0}>
      <Text inverse bold wrap="truncate-end">
        {' Help: commands and keys '.padEnd(width)}
      </Text>
      <Box flexDirection="column" height={rows} flexShrink={0}>
        {shown.map((l, i) => (
          <Text
            key={from + i}
            wrap="truncate-end"
            bold={l.kind === 'heading'}
            color={l.kind === 'heading' ? 'cyan' : undefined}
          >
            {l.text || ' '}
          </Text>
        ))}
      </Box>
      <Text inverse color={below > 0 ? 'yellow' : undefined} wrap="truncate-end">
        {footer}
      </Text>
    </Box>
  );
}
