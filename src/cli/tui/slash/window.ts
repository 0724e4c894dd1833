import type { SlashCommand } from './types.js';

export const window: SlashCommand = {
  name: 'window',
  maxWords: 1,
  aliases: ['win', 'w'],
  usage: '/window <n>',
  help: 'switch to tab n (also Alt-1..9)',
  run: (host, { words }) => host.window(words[0]),
};
