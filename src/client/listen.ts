import {
  ServerEvents,
  type ServerEventPayload,
  type ServerToClientEvents,
} from '../protocol/index.js';
import type { ClientSocket } from './types.js';

/**
 * Listens to an event the server pushes, its payload checked against the protocol's schema
 * for it first (`ServerEvents`): one that does not match is dropped, never acted on.
 */
export function onServerEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  fn: (payload: ServerEventPayload<E>) => void,
): void {
  const schema = ServerEvents[event];
  const listener = (raw: unknown): void => {
    const checked = schema.safeParse(raw);
    if (checked.success) fn(checked.data);
  };
  // Socket.IO's typed `on` cannot follow a generic event name; `ServerEvents` keeps the
  // schema and the listener's payload in step.
  (socket.on as (ev: string, fn: (raw: unknown) => void) => unknown).call(socket, event, listener);
}
