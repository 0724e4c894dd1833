import { differenceCiede2000, wcagContrast } from 'culori';
import { describe, expect, it } from 'vitest';
import { userColor } from '../../src/cli/tui/colors.js';

/** xterm's default RGB for the named colours, and its 256-colour cube. */
const NAMED: Record<string, string> = {
  black: '#000000',
  red: '#cd0000',
  green: '#00cd00',
  yellow: '#cdcd00',
  blue: '#0000ee',
  magenta: '#cd00cd',
  cyan: '#00cdcd',
  white: '#e5e5e5',
  gray: '#7f7f7f',
  redBright: '#ff0000',
  greenBright: '#00ff00',
  yellowBright: '#ffff00',
  blueBright: '#5c5cff',
  magentaBright: '#ff00ff',
  cyanBright: '#00ffff',
  whiteBright: '#ffffff',
};
const CUBE = [0, 95, 135, 175, 215, 255];

/** The colour a terminal draws for an Ink colour name. */
function rgb(color: string): string {
  const n = /^ansi256\((\d+)\)$/.exec(color)?.[1];
  if (n === undefined) return NAMED[color] ?? color;
  const i = Number(n) - 16;
  if (i < 0 || i >= 216) throw new Error(`not a cube colour: ${color}`);
  return `#${[CUBE[Math.floor(i / 36)]!, CUBE[Math.floor(i / 6) % 6]!, CUBE[i % 6]!]
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('')}`;
}

const distance = differenceCiede2000();
const NAMES = Array.from({ length: 2000 }, (_, i) => `user${i}`);
const palette = [...new Set([...NAMES, 'alice', 'bob'].map(userColor))];

describe('nick colours', () => {
  it('alice and bob are clearly different colours', () => {
    expect(distance(rgb(userColor('alice')), rgb(userColor('bob')))).toBeGreaterThanOrEqual(20);
  });

  it('every colour is readable on a black and on a white background', () => {
    for (const c of palette) {
      expect(wcagContrast(rgb(c), '#000000'), `${c} on black`).toBeGreaterThanOrEqual(3);
      expect(wcagContrast(rgb(c), '#ffffff'), `${c} on white`).toBeGreaterThanOrEqual(3);
    }
  });

  it('any two colours are far apart, and there are enough of them', () => {
    expect(palette.length).toBeGreaterThanOrEqual(8);
    for (const a of palette)
      for (const b of palette)
        if (a !== b) expect(distance(rgb(a), rgb(b)), `${a} vs ${b}`).toBeGreaterThanOrEqual(20);
  });

  it('the hash of the name spreads names evenly and stays stable', () => {
    const counts = new Map<string, number>();
    for (const n of NAMES) counts.set(userColor(n), (counts.get(userColor(n)) ?? 0) + 1);
    const even = NAMES.length / palette.length;
    for (const c of palette) expect(counts.get(c)! / even).toBeGreaterThan(0.7);
    expect(userColor('alice')).toBe(userColor('alice'));
  });
});
