import { directPeer } from '../../../protocol/index.js';

/** How a tab, the prompt and command answers name a room: `#lobby`, or `@bob` for a DM. */
export function roomLabel(name: string): string {
  return directPeer(name) === undefined ? `#${name}` : name;
}
