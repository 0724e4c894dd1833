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
        for (const l of listeners) l.call(http, req, socket, head);
      }),
    );
  });
}

function ignore(): void {}
