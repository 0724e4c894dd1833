import { roomLabel } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import { clock } from '../state/entries.js';
import { plural } from './plural.js';
import type { CommandHost, SlashCommand } from './types.js';

/**
 * `/mentions`: what named the user, in every room, newest last: those after the user's read
 * markers as the server finds them in its history (also after a restart, or read on no client
 * yet), with those heard here. `/mentions N` goes to the Nth, scrolled to it.
 */
export const mentions: SlashCommand = {
  name: 'mentions',
  maxWords: 1,
  aliases: [],
  usage: '/mentions [n]',
  help: 'messages that named you, in every room (n: go to one)',
  async run(host, { words }) {
    if (words[0] !== undefined) return jump(host, words[0]);
    const list = await host.loadMentions();
    if (list.length === 0) return host.info('no one has mentioned you yet');
    host.info(
      `mentions (the last ${plural(list.length, 'message')}, newest last): /mentions <n> goes to one`,
    );
    list.forEach((r, i) => {
      const where = r.room === undefined ? '[broadcast]' : roomLabel(r.room);
      const text = sanitizeInline(r.text.replace(/\r?\n/g, ' / '), 160);
      host.info(`  ${i + 1}. ${clock(r.ts)} ${where} ${sanitizeInline(r.from, 32)}: ${text}`);
    });
  },
};

/** `/mentions N`: the room of the Nth mention listed, scrolled to it. */
async function jump(host: CommandHost, arg: string): Promise<void> {
  const list = host.recentMentions;
  const n = Number(arg);
  const r = Number.isInteger(n) && n >= 1 ? list[n - 1] : undefined;
  if (!r) {
    const range = list.length === 0 ? 'none listed yet: /mentions' : `1 to ${list.length}`;
    return host.info(`usage: /mentions <number of a mention> (${range})`, 'error');
  }
  if (r.room === undefined) return host.info(`mention ${n} is a broadcast: it has no room`);
  await host.jumpTo(r.room, r.id);
}
