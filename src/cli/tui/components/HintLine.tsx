import { Text } from 'ink';

/** What the first screen says until the user types: short enough for 40 columns. */
export const FIRST_HINT = '/help: commands and keys · Ctrl-C quits';

/** The first screen's hint, in the typing line's row (it takes no line of the room's history). */
export function HintLine() {
  return (
    <Text dimColor wrap="truncate-end">
      {FIRST_HINT}
    </Text>
  );
}
