import { roomLabel } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import type { SlashCommand } from './types.js';

/** `/who`: who is in the room on screen, then who of them is away (asked of the server). */
export const who: SlashCommand = {
  name: 'who',
  aliases: ['names'],
  usage: '/who',
  help: 'who is in this room (and who of them is away)',
  async run(host) {
    const room = host.activeRoom;
    if (!room) return host.info('you are in no room', 'error');
    const state = host.client.rooms.get(room);
    const members = [...(state?.members ?? [])].sort();
    const count = Math.max(state?.memberCount ?? 0, members.length);
    const more = count > members.length ? `, and ${count - members.length} more` : '';
    host.info(
      `${count} in ${roomLabel(room)}: ${members.map((m) => sanitizeInline(m, 32)).join(', ')}${more}`,
    );
    if (members.length === 0) return;
    try {
      const away = await host.client.fetchAway(members);
      if (away.length === 0) return;
      const list = away.map(
        (a) => `${sanitizeInline(a.user, 32)} (${sanitizeInline(a.message, 80)})`,
      );
      host.info(`away: ${list.join(', ')}`);
    } catch (err) {
      host.info(
        `who is away is not known: ${sanitizeInline((err as Error).message, 120)}`,
        'error',
      );
    }
  },
};
