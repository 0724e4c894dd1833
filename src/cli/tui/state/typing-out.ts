import type { ChatPort } from './chat-port.js';

/** How often a "still typing" is repeated to the room while the user keeps typing. */
export const TYPING_RESEND_MS = 3000;

/**
 * What this user tells rooms about their own typing: "typing" to the active room, at most
 * every {@link TYPING_RESEND_MS}, and "stopped" to the room that was told, wherever the user
 * is by then (sent, switched room, left, quit).
 */
export class TypingOut {
  private sentAt = 0;
  /** The room told that we are typing. */
  private told: string | undefined;

  constructor(
    private readonly client: Pick<ChatPort, 'setTyping' | 'state'>,
    private readonly now: () => number,
  ) {}

  /** The room that was told we are typing, if any. */
  get room(): string | undefined {
    return this.told;
  }

  /** The user is typing in `room` (undefined: is not typing anywhere). */
  set(room: string | undefined): void {
    if (this.told !== undefined && this.told !== room) {
      this.client.setTyping(this.told, false).catch(() => undefined);
      this.told = undefined;
      this.sentAt = 0;
    }
    if (!room || this.client.state.kind !== 'connected') return;
    const now = this.now();
    if (now - this.sentAt < TYPING_RESEND_MS) return;
    this.sentAt = now;
    this.told = room;
    this.client.setTyping(room, true).catch(() => undefined);
  }
}
