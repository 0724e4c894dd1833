import { MESSAGE_MAX_LENGTH } from '../../../protocol/index.js';
import type { ChatPort } from './chat-port.js';
import { splitLine } from './split-message.js';

/** A paste of more lines than this asks before sending them, one message a line. */
export const PASTE_CONFIRM_LINES = 5;

/** What sending a paste needs of the store. */
export interface PasteHost {
  readonly client: ChatPort;
  /** Runs one line as if typed and entered (a message, or a command). */
  submit(line: string): Promise<void>;
  info(text: string): void;
}

/** What the question on screen asks about. */
export interface PasteQuestion {
  /** Messages (or commands) it would send. */
  lines: number;
  /** Over-long text to split: its length in characters. */
  splitFrom: number | undefined;
  fromInput: boolean;
}

const sendable = (lines: readonly string[]): string[] => lines.filter((l) => l.trim() !== '');

/**
 * Lines entered at once (a paste, a script's text and Enter): each is sent as its own message
 * (or run as a command), in order, each after the last was answered, never joined. More than
 * {@link PASTE_CONFIRM_LINES} wait for {@link PasteSender.answer}.
 */
export class PasteSender {
  private waiting: string[] | undefined;
  /** Set when the question is whether to split over-long text (its length in characters). */
  private splitFrom: number | undefined;
  /** The text waiting is the input line's (kept there until the answer is yes). */
  private fromInput = false;

  constructor(
    private readonly host: PasteHost,
    private readonly changed: () => void,
  ) {}

  /** The question on screen, if a paste waits for an answer. */
  get question(): PasteQuestion | undefined {
    return (
      this.waiting && {
        lines: sendable(this.waiting).length,
        splitFrom: this.splitFrom,
        fromInput: this.fromInput,
      }
    );
  }

  /**
   * Text over the message limit is never cut silently: the user is asked whether to send it
   * in parts. Returns false (and asks nothing) when `line` fits.
   */
  askSplit(line: string): boolean {
    const parts = splitLine(line);
    if (!parts || this.waiting) return false;
    this.waiting = parts;
    this.splitFrom = line.length;
    this.fromInput = true;
    this.changed();
    return true;
  }

  submit(lines: string[]): Promise<void> {
    if (this.waiting) return Promise.resolve(); // one question at a time; keys are held
    const parts = lines.flatMap((l) => splitLine(l) ?? [l]);
    if (parts.length > lines.length) {
      // Some pasted line is over the limit: ask, naming the longest.
      this.waiting = parts;
      this.splitFrom = Math.max(...lines.map((l) => l.length));
      this.changed();
      return Promise.resolve();
    }
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
    const { splitFrom, fromInput } = this;
    if (!lines) return Promise.resolve();
    this.waiting = undefined;
    this.splitFrom = undefined;
    this.fromInput = false;
    this.changed();
    if (!send) {
      this.host.info(
        splitFrom === undefined
          ? `${sendable(lines).length} pasted lines not sent`
          : `not sent: ${splitFrom} characters, and a message holds at most ${MESSAGE_MAX_LENGTH}` +
              (fromInput ? '; the text is still in the input line' : ''),
      );
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
