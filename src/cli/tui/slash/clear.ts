import type { SlashCommand } from './types.js';

export const clear: SlashCommand = {
  name: 'clear',
  maxWords: 0,
  aliases: [],
  usage: '/clear',
  help: 'clear this room’s screen',
  run: (host) => host.clearScreen(),
};
