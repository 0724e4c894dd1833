/**
 * Whether Redis answers this instance, not only whether its connection is open: a Redis that
 * hangs (stopped, swapping, a full disk's fsync) or a network path that drops packets keeps
 * the TCP connection `ready` while nothing comes back. A probe goes out once a beat (one at a
 * time); Redis answers when its connection is ready and the last probe was answered. A probe
 * fails after the connection's command timeout, so a hang shows within that time and a beat.
 */
export class RedisLiveness {
  private inFlight = false;
  private failed: string | undefined;

  constructor(
    /** The connection's state, as ioredis gives it ('ready' when open and usable). */
    private readonly status: () => string,
    /** A command to the node this instance's status lives on (one Redis: any command). */
    private readonly probe: () => Promise<unknown>,
  ) {}

  /** Sends a probe, unless one is still waiting for its answer. */
  beat(): void {
    if (this.inFlight || this.status() !== 'ready') return;
    this.inFlight = true;
    this.probe().then(
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
