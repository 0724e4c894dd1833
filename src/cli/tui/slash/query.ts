import type { SlashCommand } from './types.js';

export const query: SlashCommand = {
  name: 'query',
  maxWords: 1,
  aliases: [],
  usage: '/query <user>',
  help: 'open the direct conversation with a user (tab @user)',
  run: async (host, { words }) => void (await host.query(words[0])),
};
