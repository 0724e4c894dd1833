import { sanitizeInline } from '../../sanitize.js';
import { clock } from '../state/entries.js';
import { roomLabel } from '../state/room-label.js';
import { plural } from './plural.js';
import type { SlashCommand } from './types.js';

/** `/mentions`: what named the user lately, in every room, newest last. */
export const mentions: SlashCommand = {
  name: 'mentions',
  aliases: [],
  usage: '/mentions',
  help: 'recent messages that named you, in every room',
  run(host) {
    const list = host.recentMentions;
    if (list.length === 0) return host.info('no one has mentioned you yet');
    host.info(`mentions (the last ${plural(list.length, 'message')}, newest last):`);
    for (const r of list) {
      const where = r.room === undefined ? '[broadcast]' : roomLabel(r.room);
      const text = sanitizeInline(r.text.replace(/\r?\n/g, ' / '), 160);
      host.info(`  ${clock(r.ts)} ${where} ${sanitizeInline(r.from, 32)}: ${text}`);
    }
  },
};
