import { io, type Socket } from 'socket.io-client';
import {
  ADMIN_NAMESPACE,
  ErrorCode,
  type AdminAuth,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClusterStatus,
  type ConnectRefusal,
  type ErrorBody,
  type InstanceStatus,
  type Result,
} from '../protocol/index.js';
import { ackResult } from '../client/ack.js';
import { AdminError, ExitCode } from './exit-codes.js';
import type { Target } from './settings.js';

type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;
type Events = AdminClientToServerEvents;

/** What an admin event takes. */
export type PayloadOf<E extends keyof Events> = Parameters<Events[E]>[0];
/** What an admin event answers on success. */
export type DataOf<E extends keyof Events> = Parameters<Events[E]>[1] extends (
  r: Result<infer T>,
) => void
  ? T
  : never;

/** The exit code for a failed ack: the code, not the message, decides. */
export function exitCodeFor(error: ErrorBody): ExitCode {
  switch (error.code) {
    case ErrorCode.Unauthorized:
    case ErrorCode.Forbidden:
      return ExitCode.Unauthorized;
    case ErrorCode.Unavailable:
      return ExitCode.Unreachable;
    case ErrorCode.BadRequest:
      return ExitCode.Usage;
    default:
      return ExitCode.Failed;
  }
}

/** What a refused connect carries (see ConnectRefusal); absent when no server answered. */
type ConnectErrorData = Partial<ConnectRefusal>;

/** An instance's own address as the cluster status gives it, reachable from here. */
export function instanceUrl(inst: Pick<InstanceStatus, 'host' | 'port'>, via: string): string {
  const viaUrl = new URL(via);
  // An instance listening on every interface is reached on the host we already talk to.
  const host = ['0.0.0.0', '::', ''].includes(inst.host) ? viaUrl.hostname : inst.host;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${viaUrl.protocol}//${bracketed}:${inst.port}`;
}

/**
 * A connection to the admin namespace. It reconnects by itself: the instance it reached may
 * be the one being restarted, and any other instance answers for the whole cluster. Through
 * a public address the next connection lands elsewhere; when the address was one instance's
 * own (whose replacement listens on a new port), it moves on to the other instances'
 * addresses it learned from the last status. A request made while it is away waits for the
 * next connection, up to its deadline; one whose connection drops before the answer fails
 * at once (exit 3), so the caller can ask again.
 */
export class AdminClient {
  private socket: AdminSocket;
  /** Where it is connected (or connecting) now: the target, or one of `fallbacks`. */
  private current: string;
  /** Other instances of the same cluster, from the last status: where to go if `current` dies. */
  private fallbacks: string[] = [];
  private readonly onConnect = new Set<() => void>();
  private closed = false;

  private constructor(readonly target: Target) {
    this.current = target.server;
    this.socket = this.open(target.server);
  }

  private open(server: string): AdminSocket {
    const auth: AdminAuth = { adminToken: this.target.token };
    const socket: AdminSocket = io(`${server}${ADMIN_NAMESPACE}`, {
      auth,
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.3,
      timeout: 5000,
      forceNew: true,
    });
    // A server-side disconnect ends socket.io-client's own retries; an admin connection
    // always wants back in (the instance it was on may just be restarting).
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect', () => {
      for (const f of [...this.onConnect]) f();
    });
    socket.on('connect_error', (err: Error & { data?: ConnectErrorData }) => {
      // Nothing listens there (any more): try the next address of the cluster, if any.
      if (err.data?.code || this.socket !== socket) return;
      const next = this.nextServer();
      if (!next || this.closed) return;
      socket.close();
      this.current = next;
      this.socket = this.open(next);
    });
    return socket;
  }

  /** The next address after `current`, the target's own included, or none to try. */
  private nextServer(): string | undefined {
    const all = [this.target.server, ...this.fallbacks.filter((u) => u !== this.target.server)];
    if (all.length < 2) return undefined;
    return all[(all.indexOf(this.current) + 1) % all.length];
  }

  /** Remembers the ready instances' own addresses (from a status) to reconnect through. */
  learn(status: ClusterStatus): void {
    this.fallbacks = status.instances
      .filter((i) => i.state === 'ready' && i.port > 0)
      .map((i) => instanceUrl(i, this.target.server));
  }

  /** Connects, failing with exit 1 on a refused token and exit 3 when nothing answers. */
  static connect(target: Target, timeoutMs = 5000): Promise<AdminClient> {
    const client = new AdminClient(target);
    const socket = client.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done(
          new AdminError(
            ExitCode.Unreachable,
            `cannot reach ${target.server}: no answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onError = (err: Error & { data?: ConnectErrorData }): void => {
        const code = err.data?.code;
        if (code === ErrorCode.Unauthorized || code === ErrorCode.Forbidden) {
          done(
            new AdminError(
              ExitCode.Unauthorized,
              `${target.server} refused the admin token from ${target.tokenSource} (${err.message})` +
                (target.tokenHint ? `. ${target.tokenHint}` : ''),
              { unauthorized: true },
            ),
          );
        } else if (!code) {
          // Nothing at that address (refused, reset, not Socket.IO): say so at once.
          const desc = (err as { description?: { message?: string } }).description?.message;
          done(
            new AdminError(
              ExitCode.Unreachable,
              `cannot reach ${target.server}: ${desc ?? err.message}`,
            ),
          );
        }
        // Anything else (e.g. `draining`): the next attempt goes elsewhere; keep waiting.
      };
      const onConnect = (): void => done();
      function done(err?: AdminError): void {
        clearTimeout(timer);
        socket.off('connect_error', onError);
        socket.off('connect', onConnect);
        if (err) {
          client.close();
          reject(err);
        } else resolve(client);
      }
      socket.on('connect_error', onError);
      socket.on('connect', onConnect);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Resolves once connected (at once if already), or rejects after `timeoutMs`. */
  private whenConnected(timeoutMs: number): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onConnect.delete(onConnect);
        reject(
          new AdminError(
            ExitCode.Unreachable,
            `lost the connection to ${this.current} and could not reconnect in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        this.onConnect.delete(onConnect);
        resolve();
      };
      this.onConnect.add(onConnect);
    });
  }

  /** Sends one admin request and returns its data; a failed ack becomes an AdminError. */
  async call<E extends keyof Events>(
    event: E,
    payload: PayloadOf<E>,
    timeoutMs = 15_000,
  ): Promise<DataOf<E>> {
    await this.whenConnected(timeoutMs);
    const socket = this.socket;
    // Socket.IO's typed emit cannot follow a generic event name; the event map above is
    // what keeps payload and answer in step, so the emit is typed by hand once, here.
    const timed = socket.timeout(timeoutMs);
    const emitWithAck = timed.emitWithAck.bind(timed) as unknown as (
      ev: E,
      p: PayloadOf<E>,
    ) => Promise<Result<DataOf<E>>>;
    // A dropped connection rejects at once (no answer can come over it), not at the deadline.
    const res = await ackResult(socket, event, () => emitWithAck(event, payload));
    if (!res.ok)
      throw new AdminError(exitCodeFor(res.error), res.error.message, {
        unauthorized:
          res.error.code === ErrorCode.Unauthorized || res.error.code === ErrorCode.Forbidden,
      });
    return res.data;
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}
