import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

/**
 * How a connection attempt tells its two waits apart (see `Reconnects.tcpTimeoutMs`): the
 * TCP connection, which a host that is up completes at once however busy its server is (the
 * kernel's accept queue answers), and the server's open after it, which waits for the server's
 * event loop. Both clients watch the TCP connect through the one place `ws` makes it: chat-tui's
 * socket.io-client through the `agent` engine.io-client hands to `ws`, the load tester's wire
 * socket through `ws`'s own `createConnection`.
 */

/**
 * `ws`'s `createConnection` option: `ws`'s own (its netConnect / tlsConnect: a Unix socket by
 * `socketPath`, SNI by host), calling `onConnect` once the TCP connection is made.
 */
export function watchedConnect(
  secure: boolean,
  onConnect: () => void,
): typeof net.createConnection {
  const connect = (
    options: net.NetConnectOpts & tls.ConnectionOptions & { socketPath?: string },
  ): Duplex => {
    const socket = secure
      ? tls.connect({
          ...options,
          path: undefined,
          servername: options.servername ?? (net.isIP(options.host ?? '') ? '' : options.host),
        })
      : net.connect({ ...options, path: options.socketPath } as net.NetConnectOpts);
    socket.once('connect', onConnect);
    return socket;
  };
  // `ws` calls it as Node's ClientRequest does, with the request's options only; its type
  // names all of net.createConnection's overloads.
  return connect as unknown as typeof net.createConnection;
}

/**
 * An agent for one attempt of socket.io-client (engine.io-client passes `agent` to `ws`): the
 * platform's own, calling `onConnect` when its TCP connection is made. It holds no socket
 * after the upgrade (a request that upgrades detaches its socket from the agent).
 */
export function watchedAgent(secure: boolean, onConnect: () => void): http.Agent {
  // Kept alive, as Node's global agent is: a long-polling transport reuses its connection.
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    socket?.once('connect', onConnect);
    return socket;
  };
  return agent;
}
