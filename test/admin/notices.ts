import type { ChatClient } from '../../src/client/chat-client.js';
import type { Notice } from '../../src/protocol/index.js';

/**
 * The next notice whose text is `text`, as it arrives. No clock of its own: the caller bounds
 * the wait from the moment the command that sends it has answered (see {@link within}), so a
 * slow start of the `chat-admin` process does not count against delivery.
 */
export function noticeOf(c: ChatClient, text: string): Promise<Notice> {
  return new Promise((resolve) => {
    const off = c.on('notice', (n) => {
      if (n.text !== text) return;
      off();
      resolve(n);
    });
  });
}

/** `p`, or an error naming `what` if it has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`${what} not received within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}
