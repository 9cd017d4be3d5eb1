const SHORTCODE = /^:[a-z0-9_+-]{1,32}:$/;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Whether `emoji` may be used as a reaction: one of the allow-list when the module has one, otherwise a single
 * emoji (one grapheme: skin tones, ZWJ sequences and flags included) or a short `:name:` code.
 */
export function isAllowedReaction(emoji: string, allowList: readonly string[] | undefined): boolean {
  if (allowList && allowList.length > 0) return allowList.includes(emoji);
  if (emoji.length === 0 || emoji.length > 64) return false;
  if (SHORTCODE.test(emoji)) return true;
  const segments = [...graphemes.segment(emoji)];
  return segments.length === 1 && (PICTOGRAPH.test(emoji) || KEYCAP.test(emoji));
}
