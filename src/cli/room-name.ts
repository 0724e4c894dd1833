import { NAME_PATTERN, directPeer } from '../protocol/index.js';
import { CliError, Exit } from './errors.js';

/**
 * A room name (`#` optional) or a direct conversation (`@user`) from the command line, checked
 * before anything connects. Returns the address the client uses: `lobby` or `@bob`.
 */
export function checkRoom(room: string): string {
  if (room.startsWith('@')) {
    if (directPeer(room) === undefined)
      throw new CliError(
        `"${room}" is not a user name: use @ and a-z, 0-9, _ and - (up to 32)`,
        Exit.Usage,
      );
    return room;
  }
  const name = room.replace(/^#/, '');
  if (!NAME_PATTERN.test(name))
    throw new CliError(
      `"${room}" is not a room name: use a-z, 0-9, _ and - (up to 32), or @user for a direct conversation`,
      Exit.Usage,
    );
  return name;
}
