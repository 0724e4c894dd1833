import { NAME_PATTERN, directPeer } from '../../../protocol/index.js';
import { COMMANDS } from '../slash/registry.js';

/** What Tab can complete to, gathered by the store when Tab is pressed. */
export interface CompletionSource {
  /** `/join`, `/msg`, ...: the first word of a line starting with `/`. */
  commands: readonly string[];
  /** The active room's members (a direct conversation: its peer), the user left out. */
  members: readonly string[];
  /** Every user this client knows of: after `/msg ` and `/query `. */
  users: readonly string[];
}

/** The word before the cursor, from `start`, and the texts it may be replaced with, in order. */
export interface CompletionChoices {
  start: number;
  options: string[];
}

const startsWith = (name: string, prefix: string): boolean =>
  name.toLowerCase().startsWith(prefix.toLowerCase());

/**
 * What the word before the cursor completes to: a command at the start of a line that begins
 * with `/`; a user name as the argument of `/msg` and `/query`; otherwise a member of the
 * room, as a nick is completed in IRC clients: with `: ` after it at the start of the line,
 * else a space. `@` in front of a name is kept. Undefined when nothing is to be completed.
 */
export function completionsAt(
  value: string,
  cursor: number,
  src: CompletionSource,
): CompletionChoices | undefined {
  const before = value.slice(0, cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  // Text after the cursor already starting with a space keeps the line from getting two.
  const space = /^\s/.test(value.slice(cursor)) ? '' : ' ';
  if (start === 0 && word.startsWith('/')) {
    const options = src.commands.filter((c) => startsWith(c, word)).map((c) => c + space);
    return { start, options };
  }
  const at = word.startsWith('@') ? '@' : '';
  const prefix = word.slice(at.length);
  if (/^\s*\/(msg|query)\s+$/i.test(before.slice(0, start))) {
    const options = src.users.filter((u) => startsWith(u, prefix)).map((u) => at + u + space);
    return { start, options };
  }
  if (prefix === '') return undefined;
  const suffix = start === 0 ? `:${space}` : space;
  const options = src.members.filter((u) => startsWith(u, prefix)).map((u) => at + u + suffix);
  return { start, options };
}

/** `/join`, `/msg`, ...: every command's name, as `/help` lists them. */
const COMMAND_NAMES = COMMANDS.map((c) => `/${c.name}`);

/**
 * The names Tab offers: the active room's members (a direct conversation: its peer, online
 * or not), and for `/msg` everyone in the open rooms and conversations; the user left out.
 */
export function completionSource(
  active: string | undefined,
  open: readonly string[],
  membersOf: (room: string) => readonly string[],
  user: string | undefined,
): CompletionSource {
  const others = (names: Iterable<string>): string[] =>
    [...new Set(names)].filter((u) => u !== user && NAME_PATTERN.test(u)).sort();
  const peer = active ? directPeer(active) : undefined;
  const members = peer ? [peer] : others(active ? membersOf(active) : []);
  const all = open.flatMap((name) => {
    const p = directPeer(name);
    return p ? [p] : membersOf(name);
  });
  return { commands: COMMAND_NAMES, members, users: others(all) };
}
