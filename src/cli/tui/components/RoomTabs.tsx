import { Box, Text } from 'ink';
import type { RoomTab } from '../state/chat-store.js';

/** Joined rooms, the active one highlighted, unread counts on the others. */
export function RoomTabs({ tabs }: { tabs: RoomTab[] }) {
  if (tabs.length === 0) {
    return (
      <Text dimColor wrap="truncate-end">
        no room joined: /join &lt;room&gt;
      </Text>
    );
  }
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        {tabs.map((t, i) => (
          <Text key={t.name}>
            <Text dimColor>{i + 1}:</Text>
            <Text inverse={t.active} bold={t.active || t.unread > 0}>
              #{t.name}
            </Text>
            {t.unread > 0 ? <Text color="yellow">({t.unread})</Text> : null}
            <Text> </Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
