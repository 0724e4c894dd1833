import { directPeer } from './address.js';

/*
 * When a message names a user: one rule, read by the server (the unread summary a client gets
 * on connect, see `marks:fetch`) and by the terminal client (highlighting, tab counts, the
 * bell, `/mentions`), so both count the same messages.
 */

/** What the mention rule reads of a message. */
export interface MentionCandidate {
  from: string;
  text: string;
}

const patterns = new Map<string, RegExp>();

/**
 * Whether `text` names `user` as a whole word, with or without `@`, in any case. Names are
 * `[a-z0-9_-]` (NAME_PATTERN), so a word boundary is anything outside that set.
 */
export function mentionsUser(text: string, user: string | undefined): boolean {
  if (!user) return false;
  let re = patterns.get(user);
  if (!re) {
    const name = user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(?:^|[^a-z0-9_-])@?${name}(?![a-z0-9_-])`, 'i');
    if (patterns.size >= 1000) patterns.clear();
    patterns.set(user, re);
  }
  return re.test(text);
}

/** A message that names the user and is not the user's own: highlighted, rung, listed. */
export function isMention(m: MentionCandidate, user: string | undefined): boolean {
  return user !== undefined && m.from !== user && mentionsUser(m.text, user);
}

/**
 * What a tab counts as a mention, in the room or conversation `address` (as the user names
 * it): in a room, a message naming the user; in a direct conversation, also every message
 * from the peer (it was written to the user).
 */
export function countsOnTab(
  m: MentionCandidate,
  address: string,
  user: string | undefined,
): boolean {
  if (user === undefined || m.from === user) return false;
  return m.from === directPeer(address) || mentionsUser(m.text, user);
}
