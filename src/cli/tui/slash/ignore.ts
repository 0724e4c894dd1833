import type { SlashCommand } from './types.js';

/** `/ignore NAME`: hide a user's messages and DMs (kept in the settings); alone: the list. */
export const ignore: SlashCommand = {
  name: 'ignore',
  aliases: [],
  usage: '/ignore [user]',
  help: "hide a user's messages and DMs; alone: who is ignored",
  run(host, { words }) {
    if (words.length > 1) return host.info('usage: /ignore <user> (one at a time)', 'error');
    if (words[0] !== undefined) return host.ignore(words[0], true);
    const list = host.ignoring.list;
    host.info(
      list.length === 0
        ? 'you are ignoring nobody'
        : `ignoring ${list.join(', ')} (/unignore <user>)`,
    );
  },
};

/** `/unignore NAME`: show a user's messages and DMs again. */
export const unignore: SlashCommand = {
  name: 'unignore',
  aliases: [],
  usage: '/unignore <user>',
  help: "show an ignored user's messages and DMs again",
  run: (host, { words }) =>
    words.length > 1
      ? host.info('usage: /unignore <user> (one at a time)', 'error')
      : host.ignore(words[0], false),
};
