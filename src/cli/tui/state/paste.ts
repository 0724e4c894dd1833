import { MESSAGE_MAX_LENGTH } from '../../../protocol/index.js';
import type { ChatPort } from './chat-port.js';
import { messageLength, splitLine, splitText } from './split-message.js';

/**
 * A paste of more lines than this asks before it is sent: a bracketed paste as one message,
 * a terminal's paste without brackets as one message a line.
 */
export const PASTE_CONFIRM_LINES = 5;

/**
 * Whether a bracketed paste is too long to go into the input line: more than
 * {@link PASTE_CONFIRM_LINES} lines, or more than one message holds. Such a paste is sent
 * after one question (see {@link PasteSender.askPaste}); a shorter one is typed.
 */
export function isLongPaste(text: string): boolean {
  return text.split('\n').length > PASTE_CONFIRM_LINES || text.length > MESSAGE_MAX_LENGTH;
}

/** Pasted text as lines to submit that send it as it is, never run as a command. */
const asMessage = (text: string): string =>
  text.trimStart().startsWith('/') ? `/${text.trimStart()}` : text;

/** What sending a paste needs of the store. */
export interface PasteHost {
  readonly client: ChatPort;
  /** The room on screen. */
  readonly activeRoom: string | undefined;
  /**
   * Runs one line now (a message, or a command) as if typed and entered in `room`, the room
   * that was on screen when it was entered, whichever room is on screen now.
   */
  enter(line: string, room: string | undefined): Promise<void>;
  info(text: string): void;
}

/** What the question on screen asks about. */
export interface PasteQuestion {
  /** Messages (or commands) it would send. */
  lines: number;
  /** Over-long text to split: its length in characters. */
  splitFrom: number | undefined;
  fromInput: boolean;
  /** A bracketed paste, sent as one message (or as parts): how many lines it has. */
  pasted: number | undefined;
}

const sendable = (lines: readonly string[]): string[] => lines.filter((l) => l.trim() !== '');

/** A line waiting its turn: the room it was entered in, and when. */
export interface Entered {
  line: string;
  room: string | undefined;
  at: number;
  /** Numbers the lines entered, for the pane's keys. */
  n: number;
}

/**
 * Lines entered at once (a paste, a script's text and Enter): each is sent as its own message
 * (or run as a command), in order, each after the last was answered, never joined. More than
 * {@link PASTE_CONFIRM_LINES} wait for {@link PasteSender.answer}. A line entered while they
 * are going out ({@link PasteSender.after}) goes after them, in the same way: an Enter pressed
 * before the last pasted line was sent never overtakes it. Each line goes to the room it was
 * entered in, even if the user has moved to another room before its turn.
 */
export class PasteSender {
  /** Lines still to go, in the order entered, while lines are being sent one by one. */
  private readonly queue: Entered[] = [];
  /** Set while {@link drain} sends the queue. */
  private draining: Promise<void> | undefined;
  private waiting: string[] | undefined;
  /** The room the question was asked in: the answer sends there. */
  private waitingIn: string | undefined;
  /** Counts the lines queued, and changes whenever {@link waitingLines} does. */
  private entered = 0;
  private taken = 0;
  /** Set when the question is whether to split over-long text (its length in characters). */
  private splitFrom: number | undefined;
  /** The text waiting is the input line's (kept there until the answer is yes). */
  private fromInput = false;
  /** The text waiting is a bracketed paste of this many lines. */
  private pasted: number | undefined;

  constructor(
    private readonly host: PasteHost,
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The lines waiting their turn, in order (the one being sent is no longer among them): the
   * pane shows the messages among them, so that nothing entered is out of sight meanwhile.
   */
  get waitingLines(): readonly Entered[] {
    return this.queue;
  }

  /** Changes whenever {@link waitingLines} does. */
  get revision(): number {
    return this.entered + this.taken;
  }

  /** The question on screen, if a paste waits for an answer. */
  get question(): PasteQuestion | undefined {
    return (
      this.waiting && {
        lines: sendable(this.waiting).length,
        splitFrom: this.splitFrom,
        fromInput: this.fromInput,
        pasted: this.pasted,
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
    this.ask(parts);
    this.splitFrom = messageLength(line);
    this.fromInput = true;
    this.changed();
    return true;
  }

  /**
   * A long bracketed paste ({@link isLongPaste}): asks once whether to send it, as one
   * message with its line breaks (or, over the limit, in parts).
   */
  askPaste(text: string): void {
    if (this.waiting) return;
    const parts = text.length > MESSAGE_MAX_LENGTH ? splitText(text) : [text];
    this.ask(parts.map(asMessage));
    this.splitFrom = parts.length > 1 ? text.length : undefined;
    this.pasted = text.split('\n').length;
    this.changed();
  }

  submit(lines: string[]): Promise<void> {
    if (this.waiting) return Promise.resolve(); // one question at a time; keys are held
    const parts = lines.flatMap((l) => splitLine(l) ?? [l]);
    if (parts.length > lines.length) {
      // Some pasted line is over the limit: ask, naming the longest.
      this.ask(parts);
      this.splitFrom = Math.max(...lines.map(messageLength));
      this.changed();
      return Promise.resolve();
    }
    if (sendable(lines).length > PASTE_CONFIRM_LINES) {
      this.ask(lines);
      this.changed();
      return Promise.resolve();
    }
    return this.submitEach(lines);
  }

  /** Sends every line of the waiting paste, or none (and says so). */
  answer(send: boolean): Promise<void> {
    const lines = this.waiting;
    const { splitFrom, fromInput, pasted, waitingIn } = this;
    if (!lines) return Promise.resolve();
    this.waiting = undefined;
    this.waitingIn = undefined;
    this.splitFrom = undefined;
    this.fromInput = false;
    this.pasted = undefined;
    this.changed();
    if (!send) {
      this.host.info(
        splitFrom === undefined
          ? `${pasted ?? sendable(lines).length} pasted lines not sent`
          : `not sent: ${splitFrom} characters, and a message holds at most ${MESSAGE_MAX_LENGTH}` +
              (fromInput ? '; the text is still in the input line' : ''),
      );
      return Promise.resolve();
    }
    return this.submitEach(lines, waitingIn);
  }

  private ask(lines: string[]): void {
    this.waiting = lines;
    this.waitingIn = this.host.activeRoom;
  }

  /** Whether lines entered earlier are still going out one by one (see {@link after}). */
  get busy(): boolean {
    return this.draining !== undefined;
  }

  /** Runs `line` (as entered) once every line entered before it has gone, in order. */
  after(line: string): Promise<void> {
    return this.submitEach([line]);
  }

  private submitEach(lines: string[], room = this.host.activeRoom): Promise<void> {
    const at = this.now();
    for (const line of lines) this.queue.push({ line, room, at, n: ++this.entered });
    this.changed();
    // Started a step later, so that it is {@link busy} before the first line runs.
    this.draining ??= Promise.resolve().then(() => this.drain());
    return this.draining;
  }

  /**
   * Sends the queue one line at a time, each after the last was answered. It ends (and
   * {@link busy} turns false) in the same step as it finds the queue empty, so a line queued
   * at any moment is either sent by it or starts the next drain. A line that fails to run
   * ends it, and the lines after it are not sent, as a paste's were not.
   */
  private async drain(): Promise<void> {
    try {
      for (let next = this.take(); next !== undefined; next = this.take()) {
        await this.host.enter(next.line, next.room);
        const rest = this.waitingToSend;
        if (rest > 0 && this.sendFailed()) {
          // A failed send is retried later; a line sent meanwhile would overtake it.
          this.host.info(`${rest} more pasted lines wait until the server takes the last one`);
          await this.noSendFailed();
        }
      }
    } catch (err) {
      const dropped = this.waitingToSend;
      this.taken += this.queue.length;
      this.queue.length = 0;
      if (dropped > 0) this.host.info(`${dropped} lines entered after it were not sent`);
      this.changed();
      throw err;
    } finally {
      this.draining = undefined;
    }
  }

  /** How many of the lines waiting would send something (blank ones do not). */
  private get waitingToSend(): number {
    return sendable(this.queue.map((e) => e.line)).length;
  }

  private take(): Entered | undefined {
    const next = this.queue.shift();
    if (next === undefined) return undefined;
    this.taken++;
    this.changed();
    return next;
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
