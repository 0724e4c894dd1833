import { MESSAGE_MAX_LENGTH } from '../../../protocol/index.js';
import { graphemes } from '../../graphemes.js';
import { parseInput } from '../slash/registry.js';

/**
 * `text` cut into pieces of at most `max` UTF-16 units (what the server counts), between
 * graphemes, at the last line break of a piece when there is one in its last fifth, else at
 * its last space there (that break or space is dropped: the pieces joined with it are the
 * text).
 */
export function splitText(text: string, max = MESSAGE_MAX_LENGTH): string[] {
  const out: string[] = [];
  let piece = '';
  for (const g of graphemes(text)) {
    if (piece.length + g.length > max) {
      // At a break or a space: that is where one message ends and the next begins (sending
      // trims it anyway).
      const newline = piece.lastIndexOf('\n');
      const space = newline >= max * 0.8 ? newline : piece.lastIndexOf(' ');
      const atSpace = space >= max * 0.8;
      out.push(atSpace ? piece.slice(0, space) : piece);
      piece = atSpace ? piece.slice(space + 1) : '';
    }
    piece += g;
  }
  if (piece !== '') out.push(piece);
  return out;
}

/**
 * An entered line whose message is over the limit, as lines that each send one part (a `/me`
 * stays an action; a part that starts with `/` is escaped so it is sent, not run); undefined
 * when the line fits or is a command.
 */
export function splitLine(line: string, max = MESSAGE_MAX_LENGTH): string[] | undefined {
  const input = parseInput(line);
  if (input.type === 'message' && input.text.length > max)
    return splitText(input.text, max).map((p) => (p.startsWith('/') ? `/${p}` : p));
  if (input.type === 'command' && input.command.message) {
    const text = input.command.message(input.args);
    if (text.length > max) return splitText(text, max).map((p) => `/${input.command.name} ${p}`);
  }
  return undefined;
}

/** How long the message of an entered line is (0 for a command). */
export function messageLength(line: string): number {
  const input = parseInput(line);
  if (input.type === 'message') return input.text.length;
  if (input.type === 'command' && input.command.message)
    return input.command.message(input.args).length;
  return 0;
}
