import { Box, Text } from 'ink';
import { MESSAGE_MAX_LENGTH } from '../../../protocol/index.js';
import { roomLabel } from '../state/room-label.js';

export interface PasteQuestionProps {
  lines: number;
  room: string | undefined;
  /** Set when the question is about splitting text over the limit (its length). */
  splitFrom?: number | undefined;
}

/** Asks, in place of the input line, before a long paste goes out as many messages. */
export function PasteQuestion({ lines, room, splitFrom }: PasteQuestionProps) {
  const to = room ? ` to ${roomLabel(room)}` : '';
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color="yellow" bold>
          {splitFrom === undefined
            ? `Send ${lines} pasted lines${to}, one message each?`
            : `${splitFrom} characters, over the ${MESSAGE_MAX_LENGTH} limit: send as ${lines} messages${to}?`}
        </Text>
        <Text> y/Enter: send · n/Esc: {splitFrom === undefined ? 'drop' : 'do not send'}</Text>
      </Text>
    </Box>
  );
}
