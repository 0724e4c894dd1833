import type { SlashCommand } from './types.js';

export const join: SlashCommand = {
  name: 'join',
  aliases: ['j'],
  usage: '/join <room>',
  help: 'join a room (created if new) and switch to it (@user: as /query)',
  run: async (host, { words }) => void (await host.join(words[0])),
};
