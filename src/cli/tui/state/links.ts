/**
 * http(s) links in text already made safe to draw (sanitised: no control characters), and
 * how they are drawn as OSC 8 hyperlinks, clickable where the terminal supports it.
 */

/** A candidate: http:// or https:// and what follows up to white space or a quote. */
const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the link. */
const TRAILING = /[.,;:!?)\]}*_]+$/;
/** Longest URL made a link (longer ones stay plain text). */
export const LINK_MAX_LENGTH = 2048;

export interface Link {
  /** Where the link's text stands in the text searched. */
  start: number;
  end: number;
  /** What the terminal opens: the parsed URL, serialised (percent-encoded where needed). */
  url: string;
}

/**
 * The http(s) URLs in `text`: each parses as a URL, is http or https, and serialises to no
 * more than {@link LINK_MAX_LENGTH} characters with no space or control character in it.
 * Closing brackets and sentence punctuation at the end are left out, unless the URL opened
 * the bracket (`https://en.wikipedia.org/wiki/Unix_(disambiguation)`).
 */
export function findLinks(text: string): Link[] {
  const out: Link[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    let raw = m[0];
    const cut = TRAILING.exec(raw);
    if (cut) {
      raw = raw.slice(0, cut.index);
      // Keep a `)` the URL opened.
      if (cut[0].startsWith(')') && count(raw, '(') > count(raw, ')')) raw += ')';
    }
    const url = parse(raw);
    if (url) out.push({ start: m.index, end: m.index + raw.length, url });
  }
  return out;
}

const count = (s: string, ch: string): number => s.split(ch).length - 1;

function parse(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const href = url.href;
  // eslint-disable-next-line no-control-regex
  if (href.length > LINK_MAX_LENGTH || /[\s\x00-\x1f\x7f-\x9f]/.test(href)) return undefined;
  return href;
}

/**
 * OSC 8 around a link's text. Terminated by BEL (the terminator Ink's renderer reads as a
 * link: it then closes and reopens the link on each row it draws, so a URL wrapped over rows
 * is one link, and nothing else on those rows, such as the member list, is part of it).
 */
export const hyperlink = (url: string, text: string): string =>
  `\x1b]8;;${url}\x07${text}\x1b]8;;\x07`;

/** `text` with its links drawn as hyperlinks (the visible text is unchanged). */
export function linkify(text: string): string {
  const links = findLinks(text);
  if (links.length === 0) return text;
  let out = '';
  let at = 0;
  for (const l of links) {
    out += text.slice(at, l.start) + hyperlink(l.url, text.slice(l.start, l.end));
    at = l.end;
  }
  return out + text.slice(at);
}

/** Whether the terminal is one that draws OSC 8 (the `links` setting's `auto`). */
export function terminalLinks(term = process.env.TERM): boolean {
  return term !== 'dumb' && term !== 'linux';
}
