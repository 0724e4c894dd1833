import { Box, Text } from 'ink';
import { MESSAGE_MAX_LENGTH } from '../../../protocol/index.js';
import { graphemeAt } from '../../graphemes.js';
import { roomLabel } from '../state/room-label.js';

export interface InputLineProps {
  room: string | undefined;
  value: string;
  cursor: number;
  width: number;
  /** The message's length in characters: a counter shows near and over the limit. */
  length?: number;
}

/** From this length on, the line shows how long the message is. */
export const COUNTER_FROM = MESSAGE_MAX_LENGTH - 200;

/** The prompt with what the user is typing; a long line scrolls to keep the cursor in view. */
export function InputLine({ room, value, cursor, width, length = 0 }: InputLineProps) {
  const prompt = room ? `${roomLabel(room)}> ` : '> ';
  const counter = length >= COUNTER_FROM ? ` ${length}/${MESSAGE_MAX_LENGTH}` : '';
  const room4text = Math.max(4, width - prompt.length - counter.length - 1);
  // Keep the cursor on screen: show a window of the line that ends at or after it.
  const start = Math.max(0, cursor - room4text + 1);
  const end = Math.min(value.length, start + room4text);
  const before = (start > 0 ? '…' : '') + value.slice(start > 0 ? start + 1 : 0, cursor);
  // The cursor covers a whole grapheme (an emoji family is one character to a person).
  const g = graphemeAt(value, cursor);
  const at = g ?? ' ';
  const after = g === undefined ? '' : value.slice(cursor + at.length, end);
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color="cyan" bold>
          {prompt}
        </Text>
        {before}
        <Text inverse>{at}</Text>
        {after}
      </Text>
      {counter ? (
        <Text color={length > MESSAGE_MAX_LENGTH ? 'red' : 'yellow'}>{counter}</Text>
      ) : null}
    </Box>
  );
}
