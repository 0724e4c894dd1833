import { Text } from 'ink';

/** "x is typing", or an empty row so the layout does not jump. */
export function TypingLine({ typing }: { typing: string[] }) {
  let text = ' ';
  if (typing.length === 1) text = `${typing[0]} is typing…`;
  else if (typing.length === 2) text = `${typing[0]} and ${typing[1]} are typing…`;
  else if (typing.length > 2) text = `${typing.length} people are typing…`;
  return (
    <Text dimColor italic wrap="truncate-end">
      {text}
    </Text>
  );
}
