import { NAME_PATTERN } from './limits.js';

/**
 * Where a room name goes, `@name` addresses the direct conversation with user `name`. Each side
 * names it by the other: alice writes to `@bob`, and bob sees the same messages in `@alice`.
 * Rooms cannot start with `@` (see {@link NAME_PATTERN}), so the two never collide.
 */
export const DIRECT_PREFIX = '@';

/** `@bob` -> `bob`; undefined for a room name or anything that is not `@<user name>`. */
export function directPeer(address: string): string | undefined {
  if (!address.startsWith(DIRECT_PREFIX)) return undefined;
  const peer = address.slice(DIRECT_PREFIX.length);
  return NAME_PATTERN.test(peer) ? peer : undefined;
}

/** `bob` -> `@bob`. */
export function directAddress(user: string): string {
  return DIRECT_PREFIX + user;
}

/** A room name or a direct-conversation address. */
export function isAddress(address: string): boolean {
  return NAME_PATTERN.test(address) || directPeer(address) !== undefined;
}

/** How a room is shown to a person: `#lobby`, or `@bob` for a direct conversation. */
export function roomLabel(address: string): string {
  return directPeer(address) === undefined ? `#${address}` : address;
}
