import type { AwayState } from '../protocol/index.js';
import { chatAck } from './ack.js';
import type { Connection } from './connection.js';

/** The server's away messages (`away:set`, `away:get`): asked, never cached here. */
export class AwayMessages {
  constructor(private readonly conn: Connection) {}

  /** Away with `message`, or back (undefined or empty): the user's state now. */
  async set(message: string | undefined): Promise<AwayState | null> {
    const socket = this.conn.requireSocket();
    const payload = message ? { message } : {};
    const res = await chatAck(socket, 'away:set', () =>
      this.conn.timed(socket).emitWithAck('away:set', payload),
    );
    if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
    return res.data.away;
  }

  /** Which of `users` are away. */
  async get(users: string[]): Promise<AwayState[]> {
    const socket = this.conn.requireSocket();
    const res = await chatAck(socket, 'away:get', () =>
      this.conn.timed(socket).emitWithAck('away:get', { users }),
    );
    if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
    return res.data.away;
  }
}
