import { Box, Text } from 'ink';
import { MESSAGE_MAX_LENGTH, roomLabel } from '../../../protocol/index.js';
import { CONTINUATION_MARK } from '../../sanitize.js';
import { graphemeAt } from '../../graphemes.js';

export interface InputLineProps {
  room: string | undefined;
  value: string;
  cursor: number;
  width: number;
  /** Rows to draw (see {@link inputRows}); a message of more lines scrolls to the cursor. */
  rows?: number;
  /** The message's length in characters: a counter shows near and over the limit. */
  length?: number;
}

/** From this length on, the line shows how long the message is. */
export const COUNTER_FROM = MESSAGE_MAX_LENGTH - 200;

/** Most rows the input grows to while a message of several lines is typed. */
export const INPUT_MAX_ROWS = 4;

/** The rows the input takes for `value` in a terminal of `terminalRows`. */
export function inputRows(value: string, terminalRows: number): number {
  const lines = value.split('\n').length;
  return Math.max(1, Math.min(lines, INPUT_MAX_ROWS, terminalRows - 10));
}

/**
 * The prompt with what the user is typing. A long line scrolls sideways to keep the cursor in
 * view; a message of several lines (Alt-Enter, a paste) takes a row a line, up to `rows`, each
 * after the first marked as a continuation, as the message pane marks them.
 */
export function InputLine({ room, value, cursor, width, rows = 1, length = 0 }: InputLineProps) {
  const prompt = room ? `${roomLabel(room)}> ` : '> ';
  const lines = value.split('\n');
  const starts: number[] = [];
  let pos = 0;
  for (const l of lines) {
    starts.push(pos);
    pos += l.length + 1;
  }
  const at = lines.length - 1 - [...starts].reverse().findIndex((s) => s <= cursor);
  const first = Math.max(0, at - rows + 1);
  const where = lines.length > rows ? ` [${at + 1}/${lines.length}]` : '';
  const counter = (length >= COUNTER_FROM ? ` ${length}/${MESSAGE_MAX_LENGTH}` : '') + where;
  const mark = `${' '.repeat(Math.max(0, prompt.length - CONTINUATION_MARK.length))}${CONTINUATION_MARK}`;
  return (
    <Box flexDirection="column" flexShrink={0}>
      {lines.slice(first, first + rows).map((line, k) => {
        const i = first + k;
        return (
          <Box key={i}>
            <Text wrap="truncate-end">
              <Text color="cyan" bold={i === 0}>
                {i === 0 ? prompt : mark}
              </Text>
              <Row
                line={line}
                cursor={i === at ? cursor - starts[i]! : undefined}
                room={Math.max(4, width - prompt.length - (k === 0 ? counter.length : 0) - 1)}
              />
            </Text>
            {k === 0 && counter ? (
              <Text color={length > MESSAGE_MAX_LENGTH ? 'red' : 'yellow'}>{counter}</Text>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}

/** One line of the input: with the cursor, a window of it that keeps the cursor in view. */
function Row({ line, cursor, room }: { line: string; cursor: number | undefined; room: number }) {
  if (cursor === undefined) return <>{line}</>;
  const start = Math.max(0, cursor - room + 1);
  const end = Math.min(line.length, start + room);
  const before = (start > 0 ? '…' : '') + line.slice(start > 0 ? start + 1 : 0, cursor);
  // The cursor covers a whole grapheme (an emoji family is one character to a person).
  const g = graphemeAt(line, cursor);
  const at = g ?? ' ';
  const after = g === undefined ? '' : line.slice(cursor + at.length, end);
  return (
    <>
      {before}
      <Text inverse>{at}</Text>
      {after}
    </>
  );
}
