import { ChatError, ErrorCode } from '../../protocol/index.js';
import { isDirectRoom, roomFor } from '../rooms/direct.js';
import { roomOf } from '../rooms/room-names.js';
import type { ChatSocket } from './io-types.js';

/**
 * The internal room an address names for this socket's user, which must have joined it.
 * `leaving`: the socket is leaving it, so being out of it needs no advice.
 */
export function joinedRoom(socket: ChatSocket, address: string, leaving = false): string {
  const room = roomFor(socket.data.user, address);
  if (!socket.rooms.has(roomOf(room))) {
    const direct = isDirectRoom(room);
    throw new ChatError(
      ErrorCode.NotMember,
      leaving
        ? direct
          ? `you have no conversation with ${address.slice(1)} open`
          : `you are not in room ${address}`
        : direct
          ? `you have not opened the conversation with ${address.slice(1)}; open it first`
          : `you are not in room ${address}; join it first`,
    );
  }
  return room;
}
