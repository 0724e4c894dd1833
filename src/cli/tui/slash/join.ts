import { roomLabel } from '../../../protocol/index.js';
import { plural } from './plural.js';
import type { SlashCommand } from './types.js';

export const join: SlashCommand = {
  name: 'join',
  maxWords: 1,
  aliases: ['j'],
  usage: '/join <room>',
  help: 'join a room (created if new) and switch to it (@user: as /query)',
  run: async (host, { words }) => {
    const name = words[0];
    const room = name?.replace(/^#/, '');
    const already = room !== undefined && host.joined.includes(room);
    if (!(await host.join(name)) || already || room?.startsWith('@')) return;
    // Said in the room joined (now on screen): what the user did, and who is there.
    const state = host.client.rooms.get(host.activeRoom ?? '');
    const count = Math.max(state?.memberCount ?? 0, state?.members.length ?? 0);
    host.info(`joined ${roomLabel(host.activeRoom ?? '')} (${plural(count, 'member')})`);
  },
};
