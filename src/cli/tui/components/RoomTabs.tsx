import { roomLabel } from '../../../protocol/index.js';
import { Box, Text } from 'ink';
import type { RoomTab } from '../state/chat-store.js';
import {
  leftMarker,
  mentionText,
  rightMarker,
  tabWindow,
  unreadText,
} from '../state/tab-window.js';

/**
 * Joined rooms and direct conversations (`@peer`, in green), the active one highlighted,
 * unread counts on the others, with the mentions among them in magenta. With more rooms
 * than fit, the bar scrolls to keep the active one in view; `<` and `>` mark hidden tabs,
 * with how many of them have unread messages.
 */
export function RoomTabs({ tabs, width }: { tabs: RoomTab[]; width: number }) {
  if (tabs.length === 0) {
    return (
      <Text dimColor wrap="truncate-end">
        no room joined: /join &lt;room&gt;
      </Text>
    );
  }
  const w = tabWindow(tabs, width);
  const left = leftMarker(w);
  const right = rightMarker(w, tabs.length);
  const shown = tabs.slice(w.from, w.to);
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        {left ? <Text color={w.unreadLeft > 0 ? 'yellow' : undefined}>{left}</Text> : null}
        {shown.map((t, k) => (
          <Text key={t.name}>
            <Text dimColor>{w.from + k + 1}:</Text>
            <Text
              inverse={t.active}
              bold={t.active || t.unread > 0}
              color={t.direct ? 'green' : undefined}
            >
              {roomLabel(t.name)}
            </Text>
            {t.unread > 0 ? <Text color="yellow">{unreadText(t)}</Text> : null}
            {t.mentions > 0 ? (
              <Text color="magenta" bold>
                {mentionText(t)}
              </Text>
            ) : null}
            {k < shown.length - 1 || right ? <Text> </Text> : null}
          </Text>
        ))}
        {right ? <Text color={w.unreadRight > 0 ? 'yellow' : undefined}>{right}</Text> : null}
      </Text>
    </Box>
  );
}
