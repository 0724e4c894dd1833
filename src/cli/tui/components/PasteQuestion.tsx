import { Box, Text } from 'ink';

/** Asks, in place of the input line, before a long paste goes out as many messages. */
export function PasteQuestion({ lines, room }: { lines: number; room: string | undefined }) {
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color="yellow" bold>
          Send {lines} pasted lines{room ? ` to #${room}` : ''}, one message each?
        </Text>
        <Text> y/Enter: send · n/Esc: drop</Text>
      </Text>
    </Box>
  );
}
