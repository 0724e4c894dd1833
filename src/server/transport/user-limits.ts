import { TokenBucket } from '../auth/rate-limit.js';
import type { ChatSocket } from './io-types.js';

/**
 * One user's limits on this instance, shared by the user's sockets here (a limit per socket
 * let one session open 30 sockets and do 30 times as much): the rate of requests, and the
 * history entries its searches may read.
 */
export interface UserLimits {
  /** Every event: a token each. */
  requests: TokenBucket;
  /** `room:search`: a token per history entry read (see `searchScanPerSec`). */
  readonly search: TokenBucket;
}

/** A search budget holds this many seconds of its rate. */
export const SEARCH_BURST_SECONDS = 5;

/** A user's limits, the search budget made at the first search (most users never search). */
class Held implements UserLimits {
  holders = 0;
  private searchBucket: TokenBucket | undefined;

  constructor(
    readonly requests: TokenBucket,
    private readonly searchPerSec: number,
  ) {}

  get search(): TokenBucket {
    this.searchBucket ??= new TokenBucket(
      this.searchPerSec,
      this.searchPerSec * SEARCH_BURST_SECONDS,
    );
    return this.searchBucket;
  }
}

const ofSocket = new WeakMap<ChatSocket, UserLimits>();

/** The users' limits on this instance: made with a user's first socket, gone with its last. */
export class UserLimitsTable {
  private readonly users = new Map<string, Held>();

  constructor(private readonly opts: { perSec: number; burst: number; searchPerSec: number }) {}

  /** The socket's user's limits, held until {@link release}. */
  hold(socket: ChatSocket): UserLimits {
    const { user } = socket.data;
    let held = this.users.get(user);
    if (!held) {
      const { perSec, burst, searchPerSec } = this.opts;
      held = new Held(new TokenBucket(perSec, burst), searchPerSec);
      this.users.set(user, held);
    }
    held.holders++;
    ofSocket.set(socket, held);
    return held;
  }

  release(socket: ChatSocket): void {
    const held = this.users.get(socket.data.user);
    if (held && ofSocket.get(socket) === held && --held.holders === 0) {
      this.users.delete(socket.data.user);
    }
    ofSocket.delete(socket);
  }

  /** How many users hold limits here (tests). */
  get size(): number {
    return this.users.size;
  }
}

/** The limits a socket's user is held to (undefined for a socket not served by the table). */
export function limitsOf(socket: ChatSocket): UserLimits | undefined {
  return ofSocket.get(socket);
}
