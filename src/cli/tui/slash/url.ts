import { sanitizeText } from '../../sanitize.js';
import { clock } from '../state/entries.js';
import { findLinks } from '../state/links.js';
import type { SlashCommand } from './types.js';

/** Most links `/url` lists. */
export const URLS_LISTED = 20;

/** `/url`: the links of the room's recent messages (those the client holds), newest last. */
export const url: SlashCommand = {
  name: 'url',
  aliases: ['urls'],
  usage: '/url',
  help: "this room's recent links, numbered, newest last",
  run(host) {
    const room = host.activeRoom;
    if (!room) return host.info('you are in no room', 'error');
    const found: string[] = [];
    for (const m of host.client.rooms.get(room)?.messages ?? []) {
      if (m.deleted || host.ignoring.has(m.from)) continue;
      for (const l of findLinks(sanitizeText(m.text)))
        found.push(`${clock(m.ts)} ${sanitizeText(m.from)} ${l.url}`);
    }
    if (found.length === 0) return host.info('no links in what this room holds');
    const shown = found.slice(-URLS_LISTED);
    const skipped = found.length - shown.length;
    shown.forEach((line, i) => host.info(`${skipped + i + 1}. ${line}`));
  },
};
