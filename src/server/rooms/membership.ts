import type { ChatSocket } from '../transport/io-types.js';

/**
 * One socket's room memberships as this instance has counted them, with its joins and leaves
 * of each room run one after another in the order they arrived.
 *
 * A join takes several round trips (peer check, subscription, presence entry). Run
 * concurrently, a leave or a disconnect that arrives meanwhile would look for a membership not
 * made yet and find nothing to undo; the join would then finish and leave a member entry, a
 * local room and a subscription behind with no socket to ever remove them. Ordered per room,
 * the last request wins; the disconnect waits for every request in flight and then undoes
 * exactly what they counted ({@link counted}), whatever Socket.IO's own room set says by then.
 */
export class Membership {
  /** Rooms (internal names) whose presence this socket counts: joined, not yet left. */
  readonly counted = new Set<string>();
  /** Set when the socket disconnects: nothing may be joined for it any more. */
  gone = false;
  /**
   * room -> the last request of this socket about it (settled or not); made while a request
   * is in flight and dropped once none is. A connection is idle for most of its life, and an
   * empty map per socket cost some 170 bytes each.
   */
  private tails: Map<string, Promise<unknown>> | undefined;

  /** Runs `op` after every earlier request of this socket about `room` has settled. */
  run<T>(room: string, op: () => Promise<T>): Promise<T> {
    const tails = (this.tails ??= new Map<string, Promise<unknown>>());
    const prev = tails.get(room);
    const next = prev ? prev.then(op, op) : op();
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    tails.set(room, tail);
    void tail.then(() => {
      if (tails.get(room) !== tail) return;
      tails.delete(room);
      if (tails.size === 0 && this.tails === tails) this.tails = undefined;
    });
    return next;
  }

  /** Resolves once no request of this socket is in flight. */
  async settled(): Promise<void> {
    while (this.tails) await Promise.all(this.tails.values());
  }
}

const memberships = new WeakMap<ChatSocket, Membership>();

/** The socket's membership record (made on first use; goes with the socket). */
export function membershipOf(socket: ChatSocket): Membership {
  let m = memberships.get(socket);
  if (!m) memberships.set(socket, (m = new Membership()));
  return m;
}
