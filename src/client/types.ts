import type { Socket } from 'socket.io-client';
import type {
  ChatMessage,
  ClientToServerEvents,
  ErrorBody,
  Notice,
  ServerToClientEvents,
  SessionEndReason,
} from '../protocol/index.js';
import type { Gap } from './room-state.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Where the connection stands, for the header. */
export type ConnectionState =
  | { kind: 'connecting'; server: string }
  | { kind: 'connected'; server: string; instanceId: string; bootId: string }
  | { kind: 'reconnecting'; attempt: number; inMs: number; reason: string }
  | { kind: 'ended'; reason: SessionEndReason | 'unauthorized' | 'closed'; message: string };

/**
 * Whether logging in again is what an ended connection needs: the session is gone (unknown,
 * logged out, kicked). Not for a ban or a deleted account, which a login does not mend, nor
 * for a flood cut-off (the same session may connect once the penalty is over).
 */
export function loginAgainHelps(reason: (ConnectionState & { kind: 'ended' })['reason']): boolean {
  return reason === 'unauthorized' || reason === 'logged_out' || reason === 'kicked';
}

/** A message of ours on its way: pending until acked, failed (and retried) when it was not. */
export interface OutgoingMessage {
  clientMsgId: string;
  room: string;
  text: string;
  kind: 'text' | 'action';
  state: 'pending' | 'sent' | 'failed' | 'rejected';
  id?: string;
  error?: ErrorBody;
  createdAt: number;
}

export interface ChatClientEvents {
  state: [ConnectionState];
  /** A message new to the room (not a duplicate). */
  message: [ChatMessage];
  /** A room's messages, members, typing or unread changed. */
  room: [string];
  /** Our outgoing messages changed state. */
  outgoing: [OutgoingMessage];
  notice: [Notice];
  /** A human-readable account of what just happened to the connection. */
  status: [string];
  gap: [string, Gap];
  rtt: [number];
  /**
   * Someone wrote in a direct conversation (`@peer`) this client had not joined, and it has
   * joined it now (with `openDirects`): the room is in `rooms` with its history, the new
   * message(s) among them, unread.
   */
  opened: [string];
  /** Another client of this user read `room` up to the message `id` (the server's marker). */
  mark: [room: string, id: string];
}

export interface ChatClientOptions {
  /** Base URLs; reconnects rotate through them (one URL behind a balancer is typical). */
  servers: string[];
  token: string;
  transports?: ('websocket' | 'polling')[];
  /** Reconnect backoff: first delay and cap, in ms (jittered). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** How long to wait for an ack before calling a send failed. */
  ackTimeoutMs?: number;
  /** Round-trip probe interval (0 disables). */
  pingEveryMs?: number;
  /**
   * How many of the newest messages each room keeps in memory (older ones are loaded again
   * from history on scroll); a load tester keeps few.
   */
  roomWindow?: number;
  /**
   * Join a direct conversation by itself when someone writes in it (the TUI does; scripts,
   * which follow the rooms they name, do not). Default false.
   */
  openDirects?: boolean;
}

/** How the parts of a client announce what happened: the client's own (protected) emit. */
export type Emit = <K extends keyof ChatClientEvents>(
  event: K,
  ...args: ChatClientEvents[K]
) => void;
