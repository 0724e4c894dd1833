import { ErrorCode } from '../../protocol/index.js';

/**
 * Whether a send the server refused is kept and sent again with the same client message id
 * (the server stores each id once, so a retry never duplicates): it could not store it now
 * (`unavailable`), asked to slow down (`rate_limited`), or is draining. Anything else is final.
 */
export function isSendRetryable(code: string): boolean {
  return (
    code === ErrorCode.Unavailable || code === ErrorCode.RateLimited || code === ErrorCode.Draining
  );
}

/** The delay before the `retries`-th retry of failed sends (from 0): 1 s, doubling up to 15 s. */
export function sendRetryDelayMs(retries: number): number {
  return Math.min(15_000, 1000 * 2 ** retries);
}

/**
 * One timer for every failed send of a client: while sends keep failing it fires after a
 * growing delay (see {@link sendRetryDelayMs}); one that succeeds starts the delays over (they
 * grow per outage, not over the client's whole life). It never keeps a process alive.
 */
export class SendRetry {
  private timer: NodeJS.Timeout | undefined;
  private retries = 0;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.fire();
  };

  constructor(private readonly fire: () => void) {}

  /** Whether a retry is waiting to fire. */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** Asks for a retry: at the next delay, unless one is already waiting. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(this.onTimer, sendRetryDelayMs(this.retries++));
    this.timer.unref();
  }

  /** A send went through: the next failure starts from the shortest delay. */
  succeeded(): void {
    this.retries = 0;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
