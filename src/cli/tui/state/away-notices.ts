import { directPeer } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import type { ChatPort } from './chat-port.js';

/**
 * Writing to someone who is away: a line in the conversation says so, once per away period
 * (a new `since` is a new period; a changed message in the same period is not told again).
 */
export class AwayNotices {
  /** Per conversation: the away period of the peer already told of. */
  private readonly told = new Map<string, number>();

  constructor(
    private readonly client: Pick<ChatPort, 'fetchAway'>,
    private readonly notice: (room: string, text: string) => void,
  ) {}

  /** After a send to `room`: asks whether its peer (in a direct conversation) is away. */
  async sent(room: string): Promise<void> {
    const peer = directPeer(room);
    if (!peer) return;
    let state;
    try {
      [state] = await this.client.fetchAway([peer]);
    } catch {
      return; // Not knowing says nothing: the notice is a courtesy, the message went.
    }
    if (!state || this.told.get(room) === state.since) return;
    this.told.set(room, state.since);
    const msg = sanitizeInline(state.message, 200);
    this.notice(room, `${sanitizeInline(peer, 32)} is away: ${msg}`);
  }
}
