import { Box, Text } from 'ink';

export interface InputLineProps {
  room: string | undefined;
  value: string;
  width: number;
}

/** The prompt with what the user is typing; long input shows its end. */
export function InputLine({ room, value, width }: InputLineProps) {
  const prompt = room ? `#${room}> ` : '> ';
  const room4text = Math.max(4, width - prompt.length - 1);
  const shown = value.length > room4text ? `…${value.slice(-(room4text - 1))}` : value;
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color="cyan" bold>
          {prompt}
        </Text>
        {shown}
        <Text inverse> </Text>
      </Text>
    </Box>
  );
}
