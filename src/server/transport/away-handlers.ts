import { AwayGetPayload, AwaySetPayload, type ClientToServerEvents } from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { Away } from '../rooms/away.js';
import type { HandlerTable } from './boundary.js';
import type { ChatSocket } from './io-types.js';

type Table = HandlerTable<ChatSocket, InstanceContext, ClientToServerEvents>;

// Stateless over the command connection: made per request (no scripts to define).
const away = (ctx: InstanceContext): Away => new Away(ctx.redis.cmd, ctx.keys);

/** `/away` (see src/server/rooms/away.ts): part of the chat namespace's handler table. */
export const AWAY_HANDLERS: Pick<Table, 'away:set' | 'away:get'> = {
  'away:set': {
    schema: AwaySetPayload,
    run: async (socket, ctx, { message }) => {
      // One line: line breaks and runs of white space become one space.
      // Control characters around it go as white space does (the schema refuses them inside).
      const text = message?.replace(/^[\s\p{Cc}]+|[\s\p{Cc}]+$/gu, '').replace(/\s+/g, ' ');
      return { away: await away(ctx).set(socket.data.user, text || undefined, Date.now()) };
    },
  },
  'away:get': {
    schema: AwayGetPayload,
    run: async (_socket, ctx, { users }) => ({ away: await away(ctx).get(users) }),
  },
};
