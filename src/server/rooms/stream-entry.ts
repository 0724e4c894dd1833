import type { ChatMessage, MessageKind } from '../../protocol/index.js';

/** One entry of a room's stream as ioredis returns it. */
export type StreamEntry = [id: string, fields: string[]];

const KINDS: ReadonlySet<string> = new Set<MessageKind>(['action', 'broadcast', 'edit', 'delete']);

/** A stream entry as a message (its epoch is the room's, stamped by `inEpoch` in history.ts). */
export function toMessage(room: string, [id, fields]: StreamEntry): ChatMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const msg: ChatMessage = {
    id,
    seq: Number(f.seq),
    room,
    from: f.from ?? '',
    text: f.text ?? '',
    ts: Number(id.split('-')[0]),
    kind: f.kind !== undefined && KINDS.has(f.kind) ? (f.kind as MessageKind) : 'text',
  };
  if (f.cmid) msg.clientMsgId = f.cmid;
  if (f.ref) msg.ref = f.ref;
  return msg;
}
