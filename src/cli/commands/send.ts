import { Command } from 'commander';
import type { OutgoingMessage } from '../../client/chat-client.js';
import { MESSAGE_MAX_LENGTH } from '../../protocol/index.js';
import { CliError, Exit } from '../errors.js';
import { checkRoom } from '../room-name.js';
import { connectForScript, obtainSession } from '../session.js';
import { Settings } from '../settings.js';

/** Waits until a send is acked (retries happen inside the client) or refused. */
function settled(
  client: Awaited<ReturnType<typeof connectForScript>>,
  out: OutgoingMessage,
  timeoutMs: number,
): Promise<OutgoingMessage> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      if (out.state !== 'sent' && out.state !== 'rejected') return false;
      off();
      clearTimeout(timer);
      resolve(out);
      return true;
    };
    const off = client.on('outgoing', (o) => o === out && check());
    const timer = setTimeout(() => {
      off();
      resolve(out);
    }, timeoutMs);
    check();
  });
}

export function sendCommand(): Command {
  return new Command('send')
    .description('send one message; prints its id once the server stored it')
    .argument('<room>', 'room name, or @user for the direct conversation with user')
    .argument('<text>', 'message text')
    .option('-s, --server <url>', 'server URL(s)')
    .option('--timeout <ms>', 'give up after this long', '20000')
    .action(async (room: string, text: string, opts: { server?: string; timeout: string }) => {
      const name = checkRoom(room);
      if (text.length === 0 || text.length > MESSAGE_MAX_LENGTH)
        throw new CliError(`text must be 1 to ${MESSAGE_MAX_LENGTH} characters`, Exit.Usage);
      const timeoutMs = Number(opts.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new CliError('--timeout must be a number of milliseconds', Exit.Usage);
      const settings = new Settings();
      const servers = settings.servers(opts.server);
      const session = await obtainSession(settings, servers[0]!, { interactive: false });
      const client = await connectForScript(servers, session.token, timeoutMs);
      try {
        await client.join(name);
        const out = await settled(client, await client.send(name, text), timeoutMs);
        if (out.state !== 'sent' || !out.id)
          throw new CliError(`not sent: ${out.error?.message ?? 'no acknowledgement in time'}`);
        process.stdout.write(`${out.id}\n`);
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError((err as Error).message);
      } finally {
        client.close();
      }
    });
}
