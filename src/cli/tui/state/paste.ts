import type { ChatPort } from './chat-port.js';

/** A paste of more lines than this asks before sending them, one message a line. */
export const PASTE_CONFIRM_LINES = 5;

/** What sending a paste needs of the store. */
export interface PasteHost {
  readonly client: ChatPort;
  /** Runs one line as if typed and entered (a message, or a command). */
  submit(line: string): Promise<void>;
  info(text: string): void;
}

const sendable = (lines: readonly string[]): string[] => lines.filter((l) => l.trim() !== '');

/**
 * Lines entered at once (a paste, a script's text and Enter): each is sent as its own message
 * (or run as a command), in order, each after the last was answered, never joined. More than
 * {@link PASTE_CONFIRM_LINES} wait for {@link PasteSender.answer}.
 */
export class PasteSender {
  private waiting: string[] | undefined;

  constructor(
    private readonly host: PasteHost,
    private readonly changed: () => void,
  ) {}

  /** The question on screen, if a paste waits for an answer. */
  get question(): { lines: number } | undefined {
    return this.waiting && { lines: sendable(this.waiting).length };
  }

  submit(lines: string[]): Promise<void> {
    if (this.waiting) return Promise.resolve(); // one question at a time; keys are held
    if (sendable(lines).length > PASTE_CONFIRM_LINES) {
      this.waiting = lines;
      this.changed();
      return Promise.resolve();
    }
    return this.submitEach(lines);
  }

  /** Sends every line of the waiting paste, or none (and says so). */
  answer(send: boolean): Promise<void> {
    const lines = this.waiting;
    if (!lines) return Promise.resolve();
    this.waiting = undefined;
    this.changed();
    if (!send) {
      this.host.info(`${sendable(lines).length} pasted lines not sent`);
      return Promise.resolve();
    }
    return this.submitEach(lines);
  }

  private async submitEach(lines: string[]): Promise<void> {
    for (let i = 0; i < lines.length; i++) {
      await this.host.submit(lines[i]!);
      const rest = sendable(lines.slice(i + 1)).length;
      if (rest > 0 && this.sendFailed()) {
        // A failed send is retried later; a line sent meanwhile would overtake it.
        this.host.info(`${rest} more pasted lines wait until the server takes the last one`);
        await this.noSendFailed();
      }
    }
  }

  private sendFailed(): boolean {
    for (const o of this.host.client.outgoing.values()) if (o.state === 'failed') return true;
    return false;
  }

  private noSendFailed(): Promise<void> {
    return new Promise((resolve) => {
      const off = this.host.client.on('outgoing', () => {
        if (this.sendFailed()) return;
        off();
        resolve();
      });
    });
  }
}
