import { compareIds, type ChatMessage } from '../protocol/index.js';

/** An edit or delete of a message, as a client applies it. */
export interface Change {
  /** The id of the message changed. */
  target: string;
  /** The change's place: the newest one wins, whatever order they arrive in. */
  rev: string;
  deleted: boolean;
  /** The message's text after the change (empty when deleted). */
  text: string;
}

/**
 * What a history entry changes, if it is an edit or delete (kinds `edit`, `delete`: see
 * ChatMessage in src/protocol/models.ts); undefined for a message that is said.
 */
export function changeOf(m: ChatMessage): Change | undefined {
  if ((m.kind !== 'edit' && m.kind !== 'delete') || m.ref === undefined) return undefined;
  const deleted = m.kind === 'delete' || m.deleted === true;
  return { target: m.ref, rev: m.rev ?? m.id, deleted, text: deleted ? '' : m.text };
}

/** Whether a change is newer than what a held message shows. */
export function isNewer(change: Change, m: ChatMessage): boolean {
  return compareIds(change.rev, m.rev ?? m.id) > 0;
}

/** A copy of the message as the change leaves it. */
export function withChange(m: ChatMessage, change: Change): ChatMessage {
  const out: ChatMessage = { ...m, text: change.text, rev: change.rev };
  if (change.deleted) out.deleted = true;
  else delete out.deleted;
  return out;
}
