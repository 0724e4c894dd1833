import type { SlashCommand } from './types.js';

export const quit: SlashCommand = {
  name: 'quit',
  aliases: ['exit', 'q'],
  usage: '/quit',
  help: 'leave chat-tui (also Ctrl-C)',
  run: (host) => host.quit(),
};
