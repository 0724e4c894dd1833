/** How long a probe waits for its answer. */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether Redis answers this instance, not only whether its connection is open: a Redis that
 * hangs (stopped, swapping, a full disk's fsync) or a network path that drops packets keeps
 * the TCP connection `ready` while nothing comes back. A probe goes out once a beat (one at a
 * time); Redis answers when its connection is ready and the last probe was answered. A probe
 * not answered within {@link PROBE_TIMEOUT_MS} fails on its own clock (an auto-pipelined
 * command's timeout is the pipeline's), so a hang shows within that and a beat.
 */
export class RedisLiveness {
  private inFlight = false;
  private failed: string | undefined;

  constructor(
    /** The connection's state, as ioredis gives it ('ready' when open and usable). */
    private readonly status: () => string,
    /** A command to the node this instance's status lives on (one Redis: any command). */
    private readonly probe: () => Promise<unknown>,
    private readonly timeoutMs = PROBE_TIMEOUT_MS,
  ) {}

  /** Sends a probe, unless one is still waiting for its answer. */
  beat(): void {
    if (this.inFlight || this.status() !== 'ready') return;
    this.inFlight = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      // Judged in the loop's check phase, after its poll phase has read what arrived: a loop
      // held up (a reconnect herd) runs its timers first, and an answer waiting unread in the
      // socket is an answer, not a hung Redis that would send the clients away.
      timer = setTimeout(
        () => setImmediate(() => reject(new Error(`no answer in ${this.timeoutMs} ms`))),
        this.timeoutMs,
      );
      timer.unref();
    });
    Promise.race([this.probe(), late])
      .finally(() => clearTimeout(timer))
      .then(
        () => {
          this.inFlight = false;
          this.failed = undefined;
        },
        (err: unknown) => {
          this.inFlight = false;
          // An error reply (NOPERM, say) is Redis answering: only no answer counts.
          this.failed = (err as Error).name === 'ReplyError' ? undefined : (err as Error).message;
        },
      );
  }

  /** Whether Redis answers: its connection is open and the last probe came back. */
  answering(): boolean {
    return this.status() === 'ready' && this.failed === undefined;
  }

  /** What the readiness check shows: the connection's state, or why the last probe failed. */
  describe(): string {
    const state = this.status();
    return state === 'ready' && this.failed !== undefined
      ? `not answering (${this.failed})`
      : state;
  }
}
