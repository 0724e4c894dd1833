/**
 * Text as a person sees it: in graphemes (what a terminal draws as one character: a letter
 * with its accents, a flag, an emoji with its skin tone or a ZWJ family), not code points.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The graphemes of `text`, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** The index one grapheme left (`dir` -1) or right (+1) of index `i` (UTF-16 units). */
export function graphemeStep(text: string, i: number, dir: -1 | 1): number {
  let at = 0;
  let prev = 0;
  for (const { index, segment } of segmenter.segment(text)) {
    at = index + segment.length;
    if (dir > 0 && index >= i) return at;
    if (dir < 0 && at >= i) return index < i ? index : prev;
    prev = index;
  }
  return dir > 0 ? text.length : Math.min(i, at);
}

/** The grapheme that starts at index `i`, or undefined at the end. */
export function graphemeAt(text: string, i: number): string | undefined {
  if (i >= text.length) return undefined;
  return segmenter.segment(text).containing(i)?.segment;
}

/**
 * An emoji ZWJ sequence (family, rainbow flag, profession): pictographs, each with optional
 * variation selector or skin tone, joined by U+200D. Its joiners are ordinary text; a joiner
 * anywhere else can disguise text and stays visible.
 */
const EMOJI_ZWJ_SEQUENCE =
  /^\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]*(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]*)+$/u;

export function isEmojiZwjSequence(grapheme: string): boolean {
  return EMOJI_ZWJ_SEQUENCE.test(grapheme);
}
