/**
 * Nick colours, from the xterm 256-colour cube (drawn exactly by 256-colour and true-colour
 * terminals, whatever their theme; 16-colour terminals get the nearest basic colour). Each is
 * a mid tone with a contrast of at least 3.3:1 on both a black and a white background, and
 * any two are far apart (CIEDE2000 distance of 22 or more), so names stay readable on dark
 * and light themes and tell apart at a glance. No reds or greys: those mean errors and dim
 * text here. The test checks all of this on the numbers.
 */
export const NICK_PALETTE = [
  'ansi256(30)', // teal
  'ansi256(197)', // rose
  'ansi256(136)', // gold
  'ansi256(93)', // violet
  'ansi256(33)', // azure
  'ansi256(28)', // green
  'ansi256(96)', // plum
  'ansi256(166)', // orange
  'ansi256(200)', // pink
] as const;

export type NickColor = (typeof NICK_PALETTE)[number];

/**
 * A stable colour per user name: FNV-1a over the name, then MurmurHash3's finaliser so that
 * every bit of the name reaches the low bits the palette index is taken from.
 */
export function userColor(name: string): NickColor {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return NICK_PALETTE[(h >>> 0) % NICK_PALETTE.length]!;
}
