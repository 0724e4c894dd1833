import type { SlashCommand } from './types.js';

export const leave: SlashCommand = {
  name: 'leave',
  maxWords: 1,
  aliases: ['part'],
  usage: '/leave [room]',
  help: 'leave this room (or the one named); on @user: close it',
  run: (host, { words }) => host.leave(words[0]),
};
