import { sanitizeInline } from '../../sanitize.js';

/** How a desktop notification is asked of the terminal (the `notify` setting). */
export type NotifyStyle = 'off' | 'osc777' | 'osc9';

/** Longest title and body put into a notification (terminals and desktops cut anyway). */
export const NOTIFY_TITLE_MAX = 48;
export const NOTIFY_BODY_MAX = 160;

const OSC = '\x1b]';
const BEL = '\x07';

/**
 * Remote text made fit for the inside of an OSC string: sanitised (no control character is
 * left: ESC or BEL would end the sequence early and let the rest run as commands), `;`
 * (OSC 777's field separator) shown as `,`, and cut to `max` columns.
 */
function field(text: string, max: number): string {
  return sanitizeInline(text.replace(/\s+/g, ' '), max).replace(/;/g, ',');
}

/**
 * The escape sequence that asks the terminal for a desktop notification: OSC 777
 * (`ESC]777;notify;TITLE;BODY BEL`: urxvt, foot, WezTerm, Ghostty...) or OSC 9
 * (`ESC]9;BODY BEL`: iTerm2, Windows Terminal, kitty...), or nothing when off.
 */
export function notifySequence(style: NotifyStyle, title: string, body: string): string {
  if (style === 'off') return '';
  const t = field(title, NOTIFY_TITLE_MAX);
  const b = field(body, NOTIFY_BODY_MAX);
  return style === 'osc777' ? `${OSC}777;notify;${t};${b}${BEL}` : `${OSC}9;${t}: ${b}${BEL}`;
}
