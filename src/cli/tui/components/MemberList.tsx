import { Box, Text } from 'ink';
import { userColor } from '../colors.js';

export interface MemberListProps {
  members: string[];
  /** How many are online: more than `members` holds in a big room. */
  count: number;
  me: string | undefined;
  height: number;
  width: number;
}

/** Who is in the room, beside the messages. */
export function MemberList({ members, count, me, height, width }: MemberListProps) {
  const room = height - 1;
  const shown = members.length > room ? members.slice(0, room - 1) : members;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      flexShrink={0}
      borderStyle="single"
      borderTop={false}
      borderBottom={false}
      borderRight={false}
      paddingLeft={1}
      overflowY="hidden"
    >
      <Text dimColor wrap="truncate-end">
        {count} online
      </Text>
      {shown.map((m) => (
        <Text key={m} color={userColor(m)} bold={m === me} wrap="truncate-end">
          {m}
        </Text>
      ))}
      {shown.length < count ? <Text dimColor>+{count - shown.length} more</Text> : null}
    </Box>
  );
}
