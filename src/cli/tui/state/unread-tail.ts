import type { ChatMessage } from '../../../protocol/index.js';

/**
 * The unread messages of a room's window as its `unread` count says: the newest `unread` of
 * those not the user's own (their own never count). Fewer when the window holds fewer.
 */
export function unreadTail(
  list: readonly ChatMessage[],
  unread: number,
  user: string | undefined,
): { from: number; all: boolean } {
  let from = list.length;
  let k = 0;
  while (from > 0 && k < unread) if (list[--from]!.from !== user) k++;
  return { from, all: k >= unread };
}
