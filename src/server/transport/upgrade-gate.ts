import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { corkUpgrade } from './first-writes.js';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Drops WebSocket upgrades whose client has already gone, before any work is done for them.
 *
 * Under a reconnect herd a survivor's accept queue holds upgrade requests for seconds, and a
 * client that gave up waiting has closed its end and retried elsewhere or later. Its request
 * is still read, and would be served: a 101 answer, an Engine.IO session, its open packet and
 * timers, all for a peer that is not there, while the live requests behind it wait longer and
 * give up in turn. The close arrives with the request, but Node reads it one event-loop turn
 * after the request's headers (the read that found the headers stopped short of it), so the
 * upgrade waits for that turn: two `setImmediate`s, the second running after the next poll
 * phase has read what the socket had. A socket that has ended by then is destroyed and
 * counted; every other upgrade goes on to the listeners that were there (Engine.IO's), in
 * order. The wait is one turn of the loop: well under a millisecond on an idle instance.
 */
export function dropAbandonedUpgrades(http: HttpServer, onDropped: () => void): void {
  const listeners = http.listeners('upgrade') as UpgradeListener[];
  http.removeAllListeners('upgrade');
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP server took its own listeners off the socket when it handed it over: a
    // reset while the upgrade waits would otherwise be an uncaught error.
    socket.on('error', ignore);
    // Reading, so that a close is seen (a socket the supervisor handed over is not read until
    // then); what arrives is kept for the listener, nothing flows anywhere meanwhile.
    socket.read(0);
    setImmediate(() =>
      setImmediate(() => {
        socket.off('error', ignore);
        if (!socket.readable || socket.destroyed) {
          socket.destroy();
          onDropped();
          return;
        }
        // The 101 answer and Engine.IO's open packet leave in one write (first-writes.ts).
        corkUpgrade(socket);
        const closeListeners = socket.rawListeners('close');
        for (const l of listeners) l.call(http, req, socket, head);
        releaseUpgradeResponse(socket, closeListeners);
      }),
    );
  });
}

function ignore(): void {}

/** A listener added with `once`: Node's wrapper, with the listener it calls. */
type OnceWrapper = ((...args: unknown[]) => unknown) & { listener?: unknown };

/**
 * Lets go of Engine.IO's response object for a served WebSocket upgrade, and with it the
 * upgrade's request. Engine.IO 6.6 makes one for its middlewares (`WebSocketResponse`), and its
 * constructor listens for the TCP socket's `close` with `once`, to tell middlewares that wait
 * for the response's end: for as long as the connection lives, that listener keeps the response
 * and the request it holds reachable (the request object, its raw headers, its stream state:
 * about a kilobyte a connection), which Socket.IO's memory advice (`conn.request = null`,
 * dispatch.ts) is meant to let go. Nothing here listens for that response's `close` (Engine.IO
 * middlewares are not used). It is the first `close` listener added while Engine.IO serves the
 * upgrade, and the only one added with `once`: `ws` adds its own after it, with `on`, and those
 * stay. Anything else found first is left alone (test/integration/upgrade-gate.test.ts pins it).
 */
function releaseUpgradeResponse(socket: Duplex, before: readonly unknown[]): void {
  const added = socket.rawListeners('close').filter((l) => !before.includes(l));
  const first = added[0] as OnceWrapper | undefined;
  if (first !== undefined && typeof first.listener === 'function') {
    socket.removeListener('close', first);
  }
}
