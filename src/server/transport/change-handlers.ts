import {
  ChatError,
  DeletePayload,
  EditPayload,
  ErrorCode,
  SEARCH_SCAN_MAX,
  SearchPayload,
  type ClientToServerEvents,
  type SendResult,
} from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { readableConversation, roomFor } from '../rooms/direct.js';
import type { ChangeInput } from '../rooms/edits.js';
import type { HandlerTable } from './boundary.js';
import type { ChatSocket } from './io-types.js';
import { joinedRoom } from './joined-room.js';
import { limitsOf } from './user-limits.js';

/** Hits one search step answers with unless the request says how many. */
const SEARCH_HITS_DEFAULT = 20;
/** The fewest entries a search step reads: below, the step is refused `rate_limited`. */
const SEARCH_STEP_MIN = 100;

type Table = HandlerTable<ChatSocket, InstanceContext, ClientToServerEvents>;

/** Stores an edit or delete by the socket's user in a room it has joined. */
async function change(
  socket: ChatSocket,
  ctx: InstanceContext,
  address: string,
  input: Omit<ChangeInput, 'room' | 'from' | 'since'>,
): Promise<SendResult> {
  const room = joinedRoom(socket, address);
  const res = await ctx.history.changes.change({
    ...input,
    room,
    from: socket.data.user,
    since: socket.data.since,
  });
  return { id: res.id, seq: res.seq, ts: res.ts, epoch: res.epoch, duplicate: res.duplicate };
}

/**
 * Edits, deletes and search (see src/server/rooms/edits.ts): part of the chat namespace's
 * handler table.
 */
export const CHANGE_HANDLERS: Pick<Table, 'message:edit' | 'message:delete' | 'room:search'> = {
  'message:edit': {
    schema: EditPayload,
    run: (socket, ctx, { room, id, text, clientMsgId }) =>
      change(socket, ctx, room, { ref: id, kind: 'edit', text, clientMsgId }),
  },
  'message:delete': {
    schema: DeletePayload,
    run: (socket, ctx, { room, id, clientMsgId }) =>
      change(socket, ctx, room, { ref: id, kind: 'delete', text: '', clientMsgId }),
  },
  'room:search': {
    schema: SearchPayload,
    run: async (socket, ctx, { room: address, text, before, limit }) => {
      // Readable as the room's history is (a conversation by its two users only).
      const room = roomFor(socket.data.user, address);
      if (!(await readableConversation(ctx, socket.data, address))) {
        return { room: address, hits: [], scanned: 0 };
      }
      // A step reads what the user's search budget on this instance allows, up to the most a
      // step reads.
      const budget = limitsOf(socket)?.search;
      const scan = budget ? budget.takeUpTo(SEARCH_SCAN_MAX) : SEARCH_SCAN_MAX;
      if (scan < SEARCH_STEP_MIN) {
        budget?.giveBack(scan);
        throw new ChatError(
          ErrorCode.RateLimited,
          'searching faster than this server allows: ask again in a moment',
        );
      }
      // What the step did not read goes back: all of it when it failed; a step that ends the
      // search read `scanned`; one that goes on may have read all of `scan` (it stops counting
      // at its last hit).
      let read = 0;
      try {
        const [step, meta] = await Promise.all([
          ctx.history.changes.search(room, text, before, limit ?? SEARCH_HITS_DEFAULT, scan),
          ctx.history.peekMeta(room),
        ]);
        read = step.next === undefined ? step.scanned : scan;
        for (const m of step.hits) {
          m.room = address;
          if (meta) m.epoch = meta.epoch;
        }
        return { room: address, ...step, ...(meta ? { epoch: meta.epoch } : {}) };
      } finally {
        budget?.giveBack(scan - read);
      }
    },
  },
};
