import { io, type Socket } from 'socket.io-client';
import {
  ADMIN_NAMESPACE,
  ErrorCode,
  type AdminAuth,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ErrorBody,
  type Result,
} from '../protocol/index.js';
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

interface ConnectErrorData {
  code?: string;
}

/**
 * A connection to the admin namespace. It reconnects by itself (the instance it reached may
 * be the one being restarted, and any other instance answers for the whole cluster), so a
 * request made while it is away waits for the next connection, up to its deadline.
 */
export class AdminClient {
  private constructor(
    private readonly socket: AdminSocket,
    readonly target: Target,
  ) {}

  /** Connects, failing with exit 4 on a refused token and exit 3 when nothing answers. */
  static connect(target: Target, timeoutMs = 5000): Promise<AdminClient> {
    const auth: AdminAuth = { adminToken: target.token };
    const socket: AdminSocket = io(`${target.server}${ADMIN_NAMESPACE}`, {
      auth,
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.3,
      timeout: timeoutMs,
    });
    const client = new AdminClient(socket, target);
    // A server-side disconnect ends socket.io-client's own retries; an admin connection
    // always wants back in (the instance it was on may just be restarting).
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') socket.connect();
    });
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
              `${target.server} refused the admin token from ${target.tokenSource}: ${err.message}`,
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
          socket.close();
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
        this.socket.off('connect', onConnect);
        reject(
          new AdminError(
            ExitCode.Unreachable,
            `lost the connection to ${this.target.server} and could not reconnect in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('connect', onConnect);
    });
  }

  /** Sends one admin request and returns its data; a failed ack becomes an AdminError. */
  async call<E extends keyof Events>(
    event: E,
    payload: PayloadOf<E>,
    timeoutMs = 15_000,
  ): Promise<DataOf<E>> {
    await this.whenConnected(timeoutMs);
    // Socket.IO's typed emit cannot follow a generic event name; the event map above is
    // what keeps payload and answer in step, so the emit is typed by hand once, here.
    const timed = this.socket.timeout(timeoutMs);
    const emit = timed.emit.bind(timed) as unknown as (
      ev: E,
      p: PayloadOf<E>,
      cb: (err: Error | null, res: Result<DataOf<E>>) => void,
    ) => void;
    const res = await new Promise<Result<DataOf<E>>>((resolve) => {
      emit(event, payload, (err, r) => {
        if (err) {
          resolve({
            ok: false,
            error: { code: ErrorCode.Unavailable, message: `no answer to ${event} in time` },
          });
        } else resolve(r);
      });
    });
    if (!res.ok) throw new AdminError(exitCodeFor(res.error), res.error.message);
    return res.data;
  }

  close(): void {
    this.socket.close();
  }
}
