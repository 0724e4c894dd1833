import type { MarkUpdate, MarksSummary } from '../protocol/index.js';
import { chatAck } from './ack.js';
import type { Connection } from './connection.js';

/** The user's read markers on the server (`marks:set`, `marks:fetch`): asked, never cached here. */
export class ReadMarks {
  constructor(private readonly conn: Connection) {}

  /**
   * Where the user stands: rooms kept for this start, unread rooms and conversations, mentions;
   * the messages of `ignore` (users the client hides) left out of the counts.
   */
  async fetch(ignore: readonly string[] = []): Promise<MarksSummary> {
    const socket = this.conn.requireSocket();
    const payload = ignore.length > 0 ? { ignore: [...ignore] } : {};
    const res = await chatAck(socket, 'marks:fetch', () =>
      this.conn.timed(socket).emitWithAck('marks:fetch', payload),
    );
    if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
    return res.data;
  }

  /** Moves the marker of `room` to `id` (the server keeps the further one); the one in force. */
  async set(room: string, id: string): Promise<MarkUpdate> {
    const socket = this.conn.requireSocket();
    const res = await chatAck(socket, 'marks:set', () =>
      this.conn.timed(socket).emitWithAck('marks:set', { room, id }),
    );
    if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
    return res.data;
  }
}
