import { parseInput } from '../slash/registry.js';

/**
 * Whether the line being typed is announced to the room ("x is typing…"): only a message
 * for the room is, never a command (`/msg`, `/join`: nothing the room should hear of; a lone
 * `/` could become any of them).
 */
export function announcesTyping(line: string): boolean {
  return parseInput(line).type === 'message';
}
