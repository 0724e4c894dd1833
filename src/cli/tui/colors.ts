const PALETTE = [
  'cyan',
  'green',
  'yellow',
  'magenta',
  'blueBright',
  'redBright',
  'greenBright',
  'cyanBright',
  'magentaBright',
  'yellowBright',
] as const;

/** A stable colour per user name. */
export function userColor(name: string): (typeof PALETTE)[number] {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}
