import { roomLabel } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import { plural } from './plural.js';
import type { SlashCommand } from './types.js';

/** How many of the server's rooms `/rooms` lists before "and N more". */
const SHOWN = 30;

/** `/rooms`: the rooms and direct conversations open here, with unread counts, then the server's list. */
export const rooms: SlashCommand = {
  name: 'rooms',
  aliases: ['list'],
  usage: '/rooms',
  help: 'the rooms and direct conversations open, then the server’s rooms',
  async run(host) {
    const joined = host.joined;
    if (joined.length > 0) {
      host.info(`joined (${joined.length}):`);
      joined.forEach((name, i) => {
        const here = name === host.activeRoom;
        const unread = here ? 0 : (host.client.rooms.get(name)?.unread ?? 0);
        const note = here ? ' (here)' : unread > 0 ? `: ${unread} unread` : '';
        host.info(`  ${i + 1}:${roomLabel(name)}${note}`);
      });
    }
    try {
      const list = await host.client.listRooms();
      if (list.length === 0)
        return host.info('no rooms on the server yet: /join <room> creates one');
      host.info(`on the server (${plural(list.length, 'room')}, most recently active first):`);
      for (const r of list.slice(0, SHOWN)) {
        const mark = joined.includes(r.name) ? ' (joined)' : '';
        host.info(
          `  #${sanitizeInline(r.name, 32)}${mark}: ${r.memberCount} online, ${plural(r.messages, 'message')}`,
        );
      }
      if (list.length > SHOWN) host.info(`  and ${list.length - SHOWN} more`);
    } catch (err) {
      host.info(`cannot list rooms: ${sanitizeInline((err as Error).message, 120)}`, 'error');
    }
  },
};
