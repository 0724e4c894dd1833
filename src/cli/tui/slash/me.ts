import type { CommandArgs, SlashCommand } from './types.js';

const action = ({ words }: CommandArgs): string => words.join(' ');

export const me: SlashCommand = {
  name: 'me',
  aliases: [],
  usage: '/me <action>',
  help: 'say what you are doing (* you wave)',
  message: action,
  messageKind: 'action',
  run(host, args) {
    const text = action(args);
    if (text.trim() === '') return host.info('usage: /me <action>', 'error');
    return host.say(text, 'action');
  },
};
