import { MESSAGE_MAX_LENGTH, type ChatMessage, roomLabel } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import { plural } from '../slash/plural.js';
import type { ChatPort } from './chat-port.js';
import { clock, type LocalLine } from './entries.js';

/** What the tools need of the chat store. */
export interface ToolsHost {
  readonly client: ChatPort;
  readonly activeRoom: string | undefined;
  readonly user: string | undefined;
  info(text: string, tone?: LocalLine['tone']): void;
  /** Puts text in the input line, for the user to change and enter. */
  offerDraft(text: string): void;
  /** Scrolls the room's pane so that the message with this id is in view. */
  showMessage(room: string, id: string): void;
}

/** Steps one `/search` takes at most before it shows what it found (each reads a bounded step). */
const SEARCH_STEPS = 10;
/** A `/search` stops stepping once it has this many hits to show. */
const SEARCH_ENOUGH = 10;
/** Most hits a search keeps for `/jump` (older ones are dropped). */
const HITS_KEPT = 200;

/** A search in progress: what was found so far (numbered from 1) and where it goes on. */
interface Search {
  room: string;
  text: string;
  hits: ChatMessage[];
  next: string | undefined;
  scanned: number;
}

/** The prefix that makes an entered line an edit of one's last message. */
export const EDIT_PREFIX = '/edit ';

/** One line per hit: number, time, sender, the text on one line. */
function hitLine(n: number, m: ChatMessage): string {
  const text = sanitizeInline(m.text.replace(/\r?\n/g, ' / '), 120);
  return `  ${n}. ${clock(m.ts)} ${sanitizeInline(m.from, 32)}: ${text}`;
}

/**
 * Editing and deleting one's own last message, and searching the room's history on the
 * server (`/edit`, `/delete`, `/search`, `/jump`, Alt-E, Ctrl-R). The changes themselves are
 * shown where they belong by the room (src/client/changes.ts): nothing here draws them.
 */
export class MessageTools {
  private current: Search | undefined;

  constructor(private readonly host: ToolsHost) {}

  /**
   * The user's newest message in the active room that can still change (text or `/me`, not
   * deleted), among those loaded.
   */
  lastOwn(): ChatMessage | undefined {
    const { activeRoom, user, client } = this.host;
    const room = activeRoom ? client.rooms.get(activeRoom) : undefined;
    if (!room || user === undefined) return undefined;
    for (let i = room.messages.length - 1; i >= 0; i--) {
      const m = room.messages[i]!;
      if (m.from === user && (m.kind === 'text' || m.kind === 'action') && !m.deleted) return m;
    }
    return undefined;
  }

  private requireLast(what: string): ChatMessage | undefined {
    if (!this.host.activeRoom) {
      this.host.info('you are in no room: /join <room> first', 'error');
      return undefined;
    }
    const last = this.lastOwn();
    if (!last) this.host.info(`you have no message here to ${what}`, 'error');
    return last;
  }

  /** Alt-E, or `/edit` alone: puts the last message, as `/edit <text>`, in the input line. */
  startEdit(): void {
    const last = this.requireLast('edit');
    if (last) this.host.offerDraft(EDIT_PREFIX + last.text);
  }

  /** `/edit <text>`: the user's last message in this room says `text` from now on. */
  async edit(text: string): Promise<void> {
    if (text.trim() === '') return this.startEdit();
    if (text.length > MESSAGE_MAX_LENGTH) {
      return this.host.info(
        `not edited: ${text.length} characters, and a message holds at most ${MESSAGE_MAX_LENGTH}`,
        'error',
      );
    }
    const last = this.requireLast('edit');
    if (!last) return;
    if (last.text === text) return this.host.info('not edited: the text is the same');
    await this.change(last, text);
  }

  /** `/delete`: the user's last message in this room is deleted, for everyone. */
  async remove(): Promise<void> {
    const last = this.requireLast('delete');
    if (last) await this.change(last, undefined);
  }

  private async change(m: ChatMessage, text: string | undefined): Promise<void> {
    const room = this.host.activeRoom!;
    try {
      if (text === undefined) await this.host.client.remove(room, m.id);
      else await this.host.client.edit(room, m.id, text);
    } catch (err) {
      const why = sanitizeInline((err as Error).message, 120);
      this.host.info(`not ${text === undefined ? 'deleted' : 'edited'}: ${why}`, 'error');
    }
  }

  /** `/search <text>`: a new search of the active room; `/search` alone: older hits. */
  async search(text: string): Promise<void> {
    const room = this.host.activeRoom;
    if (!room) return this.host.info('you are in no room: /join <room> first', 'error');
    if (text.trim() === '') {
      const s = this.current;
      if (s?.room === room && s.hits.length >= HITS_KEPT) {
        return this.host.info(
          `the first ${HITS_KEPT} hits are listed; /search something narrower for the rest`,
        );
      }
      if (s?.room === room && s.next !== undefined) return this.step(s);
      return this.host.info('usage: /search <text> (then /jump N to see a hit)', 'error');
    }
    const s: Search = { room, text: text.trim(), hits: [], next: undefined, scanned: 0 };
    this.current = s;
    await this.step(s);
  }

  /** Reads steps of the search (each bounded on the server) until there is enough to show. */
  private async step(s: Search): Promise<void> {
    const shownBefore = s.hits.length;
    try {
      for (let n = 0; n < SEARCH_STEPS; n++) {
        const res = await this.host.client.search(s.room, s.text, s.next);
        s.hits.push(...res.hits);
        s.scanned += res.scanned;
        s.next = res.next;
        if (s.next === undefined || s.hits.length - shownBefore >= SEARCH_ENOUGH) break;
      }
    } catch (err) {
      return this.host.info(
        `search failed: ${sanitizeInline((err as Error).message, 120)}`,
        'error',
      );
    }
    if (s.hits.length > HITS_KEPT) {
      // Kept up to the bound; what lies past the last hit kept counts as not searched yet.
      s.hits.length = HITS_KEPT;
      s.next = s.hits.at(-1)!.id;
    }
    const found = s.hits.slice(shownBefore);
    const what = `"${sanitizeInline(s.text, 40)}" in ${roomLabel(s.room)}`;
    const where = s.next === undefined ? 'all its kept history' : `its newest ${s.scanned} entries`;
    if (found.length === 0) {
      this.host.info(
        shownBefore === 0
          ? `search ${what}: nothing found in ${where}`
          : `search ${what}: nothing more found (${where} searched)`,
      );
    } else {
      this.host.info(
        `search ${what}: ${plural(found.length, 'hit')} in ${where}, newest first; /jump N shows one`,
      );
      found.forEach((m, i) => this.host.info(hitLine(shownBefore + i + 1, m)));
    }
    if (s.next !== undefined) this.host.info('  older history not searched yet: /search goes on');
  }

  /** `/jump N`: shows hit N of the last search in the pane, loading its history if needed. */
  async jump(arg: string | undefined): Promise<void> {
    const s = this.current;
    if (!s || s.hits.length === 0)
      return this.host.info('no search hits: /search <text> first', 'error');
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1 || n > s.hits.length) {
      return this.host.info(`usage: /jump N, N from 1 to ${s.hits.length}`, 'error');
    }
    const hit = s.hits[n - 1]!;
    if (!this.host.client.rooms.has(s.room)) {
      return this.host.info(`you are no longer in ${roomLabel(s.room)}: /join it first`, 'error');
    }
    try {
      const held = await this.host.client.loadAround(s.room, hit.id);
      if (!held) return this.host.info(`hit ${n} is no longer kept by the server`, 'error');
    } catch (err) {
      return this.host.info(
        `cannot show hit ${n}: ${sanitizeInline((err as Error).message, 120)}`,
        'error',
      );
    }
    this.host.showMessage(s.room, hit.id);
  }
}
