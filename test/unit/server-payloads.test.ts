import { describe, expect, it } from 'vitest';
import {
  ChatAnswers,
  ServerEvents,
  type JoinResult,
  type ServerEventPayload,
  type ServerToClientEvents,
} from '../../src/protocol/index.js';

const message = {
  id: '1700000000000-0',
  seq: 1,
  room: 'lobby',
  from: 'ann',
  text: 'hi',
  ts: 1_700_000_000_000,
  kind: 'text',
  epoch: 'e1',
};

/** One payload the server sends for each event, as it sends it. */
const sent: { [E in keyof ServerToClientEvents]: ServerEventPayload<E> } = {
  'session:welcome': {
    user: 'ann',
    instanceId: 'chat-1',
    bootId: 'b1',
    serverTime: 1,
    pingIntervalMs: 25_000,
  },
  'message:created': message as ServerEventPayload<'message:created'>,
  'presence:updated': { room: 'lobby', members: ['ann'], count: 1 },
  'typing:updated': { room: 'lobby', user: 'ann', typing: true },
  'notice:created': { id: 'n1', text: 'hello', ts: 1, from: 'admin' },
  'direct:opened': { room: '@bob', from: 'bob', id: '1-0' },
  'server:draining': { instanceId: 'chat-1', reason: 'restart', reconnectWithinMs: 2000 },
  'sync:required': { reason: 'redis subscription restored' },
  'session:ended': { reason: 'kicked', message: 'bye' },
  'marks:updated': { room: '@bob', id: '1700000000000-0' },
};

const join: JoinResult = {
  room: 'lobby',
  messages: [message as JoinResult['messages'][number]],
  hasMore: false,
  truncated: false,
  members: ['ann'],
  memberCount: 1,
  typing: [],
  lastSeq: 1,
  epoch: 'e1',
  unrecoverable: false,
};

describe('server-to-client schemas', () => {
  it('accept every event as the server sends it', () => {
    for (const [event, payload] of Object.entries(sent)) {
      const schema = ServerEvents[event as keyof ServerToClientEvents];
      expect(schema.safeParse(payload).success, event).toBe(true);
    }
  });

  it('refuse payloads a client cannot act on', () => {
    expect(ServerEvents['server:draining'].safeParse({ instanceId: 'x' }).success).toBe(false);
    expect(
      ServerEvents['server:draining'].safeParse({
        instanceId: 'x',
        reason: 'moon_phase',
        reconnectWithinMs: 1,
      }).success,
    ).toBe(false);
    expect(ServerEvents['session:ended'].safeParse({ reason: 'tired' }).success).toBe(false);
    expect(ServerEvents['message:created'].safeParse({ ...message, seq: 0 }).success).toBe(false);
    expect(ServerEvents['session:welcome'].safeParse({ user: 'ann' }).success).toBe(false);
  });

  it('drop fields a newer server adds, rather than refuse them', () => {
    const got = ServerEvents['sync:required'].parse({ reason: 'r', extra: 1 });
    expect(got).toEqual({ reason: 'r' });
  });

  it('check acks: data on success, a known error code on failure', () => {
    expect(ChatAnswers['room:join'].safeParse({ ok: true, data: join }).success).toBe(true);
    const noLastSeq: Partial<JoinResult> = { ...join };
    delete noLastSeq.lastSeq;
    expect(ChatAnswers['room:join'].safeParse({ ok: true, data: noLastSeq }).success).toBe(false);
    const history = { room: 'lobby', messages: [], hasMore: false, truncated: false };
    expect(
      ChatAnswers['room:history'].safeParse({
        ok: true,
        data: { ...history, unrecoverable: false },
      }).success,
    ).toBe(true);
    const failed = { ok: false, error: { code: 'rate_limited', message: 'slow down' } };
    expect(ChatAnswers['message:send'].safeParse(failed).success).toBe(true);
    const unknown = { ok: false, error: { code: 'nope', message: '?' } };
    expect(ChatAnswers['message:send'].safeParse(unknown).success).toBe(false);
    expect(
      ChatAnswers['message:send'].safeParse({
        ok: true,
        data: { id: '1-0', seq: 1, ts: 1, epoch: 'e1', duplicate: false },
      }).success,
    ).toBe(true);
    expect(ChatAnswers['typing:set'].safeParse({ ok: true, data: null }).success).toBe(true);
  });
});
