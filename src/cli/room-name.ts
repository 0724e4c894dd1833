import { NAME_PATTERN } from '../protocol/index.js';
import { CliError, Exit } from './errors.js';

/** A room name from the command line, checked before anything connects. */
export function checkRoom(room: string): string {
  const name = room.replace(/^#/, '');
  if (!NAME_PATTERN.test(name))
    throw new CliError(
      `"${room}" is not a room name: use a-z, 0-9, _ and - (up to 32)`,
      Exit.Usage,
    );
  return name;
}
