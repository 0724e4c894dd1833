import type { AdminClient } from '../connection.js';
import type { CommandContext } from '../context.js';

export async function runWatch(_ctx: CommandContext, _client: AdminClient): Promise<void> {
  await Promise.resolve();
}
