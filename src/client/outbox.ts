import { randomBytes } from 'node:crypto';
import { ErrorCode, type ErrorBody } from '../protocol/index.js';
import { chatAck } from './ack.js';
import type { Connection } from './connection.js';
import { isSendRetryable, SendRetry } from './delivery/send-retry.js';
import type { Emit, OutgoingMessage } from './types.js';

const newClientMsgId = (): string => randomBytes(12).toString('base64url');

/** Why a message was not sent once the session is over (the client will not reconnect). */
function sessionOver(why: string): ErrorBody {
  return { code: ErrorCode.Unauthorized, message: `the session ended (${why})` };
}

/**
 * Our messages on their way. Each carries a client id chosen once, so a send that failed (or
 * whose ack was lost) is sent again as the same message and the server stores it once.
 */
export class Outbox {
  readonly outgoing = new Map<string, OutgoingMessage>();
  /** While connected, failed sends are tried again with a growing delay (1 s up to 15 s). */
  private readonly retry = new SendRetry(() => {
    if (this.conn.connected) void this.retryFailed();
  });

  constructor(
    private readonly conn: Connection,
    private readonly emit: Emit,
    /** Whether a reconnect has not joined this room again yet (see `Resume.isRejoining`). */
    private readonly isRejoining: (room: string) => boolean = () => false,
  ) {}

  /** Sends a message. It is pending until acked; if that fails it is retried with the same id. */
  send(room: string, text: string, kind: 'text' | 'action'): Promise<OutgoingMessage> {
    const out: OutgoingMessage = {
      clientMsgId: newClientMsgId(),
      room,
      text,
      kind,
      state: 'pending',
      createdAt: Date.now(),
    };
    this.outgoing.set(out.clientMsgId, out);
    this.emit('outgoing', out);
    return this.transmit(out);
  }

  private async transmit(out: OutgoingMessage): Promise<OutgoingMessage> {
    const socket = this.conn.socket;
    if (this.conn.state.kind === 'ended') {
      // No reconnect will come to send it.
      this.update(out, { state: 'rejected', error: sessionOver(this.conn.state.message) });
      return out;
    }
    if (!socket?.connected || this.conn.state.kind !== 'connected') {
      this.update(out, {
        state: 'failed',
        error: { code: ErrorCode.Unavailable, message: 'not connected; will retry' },
      });
      return out;
    }
    if (this.isRejoining(out.room)) {
      // Sent by the resume once the room is joined again; the retry timer is a backstop.
      this.update(out, {
        state: 'failed',
        error: { code: ErrorCode.Unavailable, message: 'rejoining the room; will send' },
      });
      this.scheduleRetry();
      return out;
    }
    if (out.state !== 'pending') this.update(out, { state: 'pending' });
    const res = await chatAck(socket, 'message:send', () =>
      this.conn.timed(socket).emitWithAck('message:send', {
        room: out.room,
        text: out.text,
        clientMsgId: out.clientMsgId,
        kind: out.kind,
      }),
    );
    if (res.ok) {
      this.retry.succeeded();
      this.update(out, { state: 'sent', id: res.data.id });
    } else if (!this.outgoing.has(out.clientMsgId) && out.state === 'sent') {
      // Its answer was lost, but the message itself came back meanwhile: it was stored.
      this.retry.succeeded();
    } else if (this.endedWhy() !== undefined) {
      // The session ended while it was out (its answer lost with the connection): no retry
      // will come. It may have been stored; the line says not sent, as failPending did.
      this.update(out, { state: 'rejected', error: sessionOver(this.endedWhy()!) });
    } else {
      const retry = isSendRetryable(res.error.code);
      this.update(out, { state: retry ? 'failed' : 'rejected', error: res.error });
      if (retry) this.scheduleRetry();
    }
    return out;
  }

  /** Why the session ended, once it has (read afresh: it changes while a send is out). */
  private endedWhy(): string | undefined {
    const s = this.conn.state as { kind: string; message?: string };
    return s.kind === 'ended' ? (s.message ?? 'ended') : undefined;
  }

  private scheduleRetry(): void {
    if (!this.conn.closed) this.retry.schedule();
  }

  /** Sends again every failed message (same client ids: the server stores each once). */
  async retryFailed(): Promise<void> {
    for (const out of [...this.outgoing.values()]) {
      if (out.state === 'sent' && out.id) this.outgoing.delete(out.clientMsgId);
      else if (out.state === 'failed') await this.transmit(out);
    }
  }

  /**
   * One of ours came back from the server (live or from history): it was stored, and its room
   * holds it now. It leaves the outbox: the room's window shows it from here on, and an entry
   * kept here would be drawn as a send of its own once the window had let the message go.
   */
  delivered(clientMsgId: string, id: string): void {
    const out = this.outgoing.get(clientMsgId);
    if (!out) return;
    this.outgoing.delete(clientMsgId);
    if (out.state !== 'sent') this.update(out, { state: 'sent', id });
  }

  /**
   * The session ended: what is still pending will not be answered, and what waits for a
   * retry will get none; neither is sent. (One pending may have been stored: its answer is
   * lost with the connection.)
   */
  failPending(why: string): void {
    for (const o of this.outgoing.values()) {
      if (o.state === 'pending' || o.state === 'failed') {
        this.update(o, { state: 'rejected', error: sessionOver(why) });
      }
    }
  }

  stop(): void {
    this.retry.stop();
  }

  private update(out: OutgoingMessage, patch: Partial<OutgoingMessage>): void {
    Object.assign(out, patch);
    if (patch.state === 'sent') delete out.error;
    this.emit('outgoing', out);
  }
}
