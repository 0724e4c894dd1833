/**
 * A bench generator connection over the load tester's lean wire client (`WireSocket`): the
 * Socket.IO wire protocol over `ws`, encoded by socket.io-parser, so the server cannot tell it
 * from socket.io-client; it answers the server's pings itself. It keeps no timers of its own:
 * one sweep a second per generator process checks every socket's liveness, as the load
 * tester's workers do.
 */
import { randomBytes } from 'node:crypto';
import { WireSocket } from '../src/admin/loadtest/wire.js';
import type { BenchConn } from './protocols.js';
import { checkSendAck, sendFailed } from './send-failures.js';

/** Every wire socket not yet closed or dropped, for the liveness sweep. */
const live = new Set<WireSocket>();
let sweep: NodeJS.Timeout | undefined;

/**
 * Checks every socket once a second. The check runs in the loop's check phase
 * (`setImmediate`), after the poll phase has read what arrived: a timer alone runs first
 * after the process was stalled (a GC pause, a starved CPU), and would call a socket dead
 * whose ping or open packet was waiting unread in its buffer all along.
 */
function watch(sock: WireSocket): void {
  live.add(sock);
  sweep ??= setInterval(
    () =>
      void setImmediate(() => {
        const now = Date.now();
        for (const s of live) s.check(now);
      }),
    1000,
  ).unref();
}

/** A join or a send whose ack is not back in this time fails (the server answers in ms). */
const ACK_MS = 20_000;

export function openWire(url: string, token: string): Promise<BenchConn> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let dropped: ((reason: string) => void) | undefined;
    const texts: ((text: string) => void)[] = [];
    const sock: WireSocket = new WireSocket(
      url,
      { token },
      {
        connected: () => {
          connected = true;
          resolve(conn);
        },
        refused: (message, code) => {
          live.delete(sock);
          reject(new Error(code ? `${code}: ${message}` : message));
        },
        event: (name, payload) => {
          if (name !== 'message:created' && name !== 'notice:created') return;
          const text = (payload as { text?: unknown } | undefined)?.text;
          if (typeof text === 'string') for (const fn of texts) fn(text);
        },
        closed: (reason) => {
          live.delete(sock);
          if (connected) {
            connected = false;
            dropped?.(reason);
          } else reject(new Error(reason));
        },
      },
    );
    watch(sock);
    const conn: BenchConn = {
      get connected() {
        return connected;
      },
      join: async (room) => {
        const r = (await sock.request('room:join', { room, limit: 1 }, ACK_MS)) as
          { ok?: boolean; error?: { code?: string; message?: string } } | undefined;
        if (!r?.ok) throw new Error(`join refused: ${r?.error?.code}: ${r?.error?.message}`);
      },
      send: (room, text) =>
        void sock
          .request(
            'message:send',
            { room, text, clientMsgId: randomBytes(9).toString('base64url') },
            ACK_MS,
          )
          .then(checkSendAck, (err: unknown) =>
            sendFailed(err instanceof Error ? err.message : String(err)),
          ),
      onText: (fn) => void texts.push(fn),
      onDrop: (fn) => {
        dropped = fn;
      },
      close: () => {
        connected = false;
        live.delete(sock);
        sock.close();
      },
    };
  });
}
