import type { ChatMessage } from '../../src/protocol/index.js';

/**
 * A message of room `r` with sequence number `seq`, stored at `ms` (id `<ms>-0`; by default
 * 1000 + seq, so ids order as seqs do), of `epoch` when one is given.
 */
export function chatMessage(seq: number, opts: { ms?: number; epoch?: string } = {}): ChatMessage {
  const ms = opts.ms ?? 1000 + seq;
  return {
    id: `${ms}-0`,
    seq,
    room: 'r',
    from: 'u',
    text: `m${seq}`,
    ts: ms,
    kind: 'text',
    ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}),
  };
}
