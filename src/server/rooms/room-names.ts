/** Socket.IO room of a chat room. `#` cannot start a valid name, so nothing collides with it. */
export const roomOf = (room: string): string => `#${room}`;
/** Socket.IO room holding every socket of one user, on every instance. */
export const userRoomOf = (user: string): string => `u:${user}`;
