import type { SlashCommand } from './types.js';

export const msg: SlashCommand = {
  name: 'msg',
  aliases: [],
  usage: '/msg <user> <text>',
  help: 'open the direct conversation with a user, switch to it, send',
  // The text keeps its spacing: everything after the user name.
  run: (host, { words, line }) => host.msg(words[0], /^\S+\s+\S+\s(.*)$/s.exec(line)?.[1] ?? ''),
};
