import { Box, Text, Transform } from 'ink';
import { useContext, type ReactNode } from 'react';
import { userColor } from '../colors.js';
import type { Entry } from '../state/entries.js';
import { linkify } from '../state/links.js';
import { EDITED_MARK, gapText, LOCAL_PREFIX, markText, textToDraw } from '../state/pane-layout.js';
import { LinksContext } from './links-context.js';

// The text drawn here must match what pane-layout.ts measures (same strings, same order).
const LOCAL_COLOR = { status: 'cyan', notice: 'yellow', info: 'gray', error: 'red' } as const;
/** A message naming the user: its author inverse, its text bold yellow (style only, no text). */
const MENTION_TEXT = (mention: boolean) =>
  mention ? ({ color: 'yellowBright', bold: true } as const) : {};

export interface EntryLineProps {
  entry: Entry;
  width: number;
  /** Rows of it scrolled off the top of the pane (clipped). */
  hiddenRows?: number;
}

/** One entry of the message pane. */
export function EntryLine({ entry, width, hiddenRows = 0 }: EntryLineProps) {
  // Links add escape sequences only: the visible text, which pane-layout.ts measures, is the same.
  const links = useContext(LinksContext);
  const draw = (text: string): string => (links ? linkify(text) : text);
  switch (entry.kind) {
    case 'day':
      return (
        <Text dimColor wrap="truncate-end">
          ─── {entry.label} ───
        </Text>
      );
    case 'marker':
      return (
        <Text color="redBright" wrap="truncate-end">
          ── {entry.label} ──
        </Text>
      );
    case 'gap':
      return (
        <Box width={width} flexShrink={0}>
          <Text color="red">{gapText(entry)}</Text>
        </Box>
      );
    case 'local':
      return (
        <Stamped time={entry.time} width={width} hiddenRows={hiddenRows}>
          <Text color={LOCAL_COLOR[entry.tone]} bold={entry.tone === 'notice'}>
            {LOCAL_PREFIX[entry.tone]}
            {draw(textToDraw(entry, width))}
          </Text>
        </Stamped>
      );
    case 'message':
      return (
        <MessageText
          entry={{ ...entry, text: entry.deleted ? entry.text : draw(textToDraw(entry, width)) }}
          width={width}
          hiddenRows={hiddenRows}
        />
      );
  }
}

/** A message of ours not stored yet: sending, or waiting its turn. */
const waiting = (e: Extract<Entry, { kind: 'message' }>): boolean =>
  e.mark === 'pending' || e.mark === 'queued';

function MessageText({
  entry,
  width,
  hiddenRows,
}: {
  entry: Extract<Entry, { kind: 'message' }>;
  width: number;
  hiddenRows: number;
}) {
  const mark =
    entry.mark === undefined ? null : (
      <Text dimColor={waiting(entry)} color={waiting(entry) ? undefined : 'red'}>
        {markText(entry)}
      </Text>
    );
  const color = userColor(entry.from);
  let body;
  if (entry.deleted) {
    // In the message's place, in its shape: who wrote it, and that it is gone.
    const gone = (
      <Text dimColor italic>
        {entry.text}
      </Text>
    );
    body =
      entry.messageKind === 'action' ? (
        <Text color="magenta" italic>
          * <Text bold>{entry.from}</Text> {gone}
        </Text>
      ) : (
        <Text>
          <Text color={color} bold={entry.own}>
            {entry.from}
          </Text>
          <Text dimColor>: </Text>
          {gone}
        </Text>
      );
  } else if (entry.messageKind === 'action') {
    body = (
      <Text color="magenta" italic>
        *{' '}
        <Text bold inverse={entry.mention}>
          {entry.from}
        </Text>{' '}
        <Text {...MENTION_TEXT(entry.mention)}>{entry.text}</Text>
      </Text>
    );
  } else if (entry.messageKind === 'broadcast') {
    body = (
      <Text color="yellow" bold inverse={entry.mention}>
        [broadcast] {entry.from}: {entry.text}
      </Text>
    );
  } else {
    body = (
      <Text>
        <Text color={color} bold={entry.own} inverse={entry.mention}>
          {entry.from}
        </Text>
        <Text dimColor>: </Text>
        <Text dimColor={waiting(entry)} {...MENTION_TEXT(entry.mention)}>
          {entry.text}
        </Text>
      </Text>
    );
  }
  return (
    <Stamped time={entry.time} width={width} hiddenRows={hiddenRows}>
      <Text>
        {body}
        {entry.edited ? <Text dimColor>{EDITED_MARK}</Text> : null}
        {mark}
      </Text>
    </Stamped>
  );
}

/**
 * Ink wraps keeping the space it broke at: drop it from the start of continuation lines. Ink
 * numbers the lines after clipping, so with rows hidden above, every line is a continuation.
 */
// eslint-disable-next-line no-control-regex
const BREAK_SPACE = /^((?:\x1b\[[0-9;]*m|\x1b\]8;[^\x07]*\x07)*) /;
const dropBreakSpace =
  (hiddenRows: number) =>
  (line: string, index: number): string =>
    index + hiddenRows > 0 ? line.replace(BREAK_SPACE, '$1') : line;

/** A timestamp column; what follows wraps beside it, so continuation lines are indented. */
function Stamped({
  time,
  width,
  hiddenRows,
  children,
}: {
  time: string;
  width: number;
  hiddenRows: number;
  children: ReactNode;
}) {
  const stamp = time.length + 1;
  return (
    <Box flexShrink={0} width={width}>
      <Box width={stamp} flexShrink={0}>
        <Text dimColor>{time}</Text>
      </Box>
      <Box width={Math.max(1, width - stamp)} flexShrink={0}>
        <Transform transform={dropBreakSpace(hiddenRows)}>{children}</Transform>
      </Box>
    </Box>
  );
}
