import { Command } from 'commander';
import { userDeleteCommand } from './user-delete.js';
import { userListCommand } from './user-list.js';

/** `chat-admin user list|delete`: the accounts (without a subcommand: help, exit 2). */
export function userCommand(): Command {
  const user = new Command('user').description(
    'accounts: list them, delete one (see also ban and unban)',
  );
  for (const make of [userListCommand, userDeleteCommand]) user.addCommand(make());
  return user;
}
