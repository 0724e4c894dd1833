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
  search: TokenBucket;
}

/** A search budget holds this many seconds of its rate. */
export const SEARCH_BURST_SECONDS = 5;

interface Held extends UserLimits {
  holders: number;
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
      held = {
        requests: new TokenBucket(perSec, burst),
        search: new TokenBucket(searchPerSec, searchPerSec * SEARCH_BURST_SECONDS),
        holders: 0,
      };
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
