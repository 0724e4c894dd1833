import { Command } from 'commander';
import { serverSilence } from '../../shared/server-probe.js';
import { CliError, Exit } from '../errors.js';
import { CONFIG_KEYS, Settings, isConfigKey, type ConfigKey } from '../settings.js';

const checkKey = (key: string): ConfigKey => {
  if (isConfigKey(key)) return key;
  const known = Object.keys(CONFIG_KEYS).join(', ');
  throw new CliError(`unknown setting "${key}" (known: ${known})`, Exit.Usage);
};

export function configCommand(): Command {
  const config = new Command('config').description(
    `read or change settings (${Object.keys(CONFIG_KEYS).join(', ')})`,
  );
  config
    .command('get')
    .description('print a setting (all settings as JSON without a key)')
    .argument('[key]', 'setting name')
    .action((key: string | undefined) => {
      const settings = new Settings();
      if (key === undefined) {
        const all: Record<string, string | undefined> = {};
        for (const k of Object.keys(CONFIG_KEYS) as ConfigKey[]) all[k] = settings.get(k);
        process.stdout.write(`${JSON.stringify(all)}\n`);
        return;
      }
      const value = settings.get(checkKey(key));
      if (value === undefined) throw new CliError(`${key} is not set`);
      process.stdout.write(`${value}\n`);
    });
  config
    .command('set')
    .description('change a setting')
    .argument('<key>', 'setting name')
    .argument('<value>', 'new value')
    .action(async (key: string, value: string) => {
      const settings = new Settings();
      settings.set(checkKey(key), value);
      if (key !== 'server') return;
      // Saved either way (a server may be down for now), but said at once.
      // All at once: a list of hosts that do not answer waits one timeout, not one each.
      const servers = settings.servers(undefined);
      const silences = await Promise.all(servers.map((server) => serverSilence(server)));
      servers.forEach((server, i) => {
        if (silences[i]) {
          process.stderr.write(
            `chat-tui: warning: saved, but no chat server answers at ${server}: ${silences[i]}\n`,
          );
        }
      });
    });
  return config;
}
