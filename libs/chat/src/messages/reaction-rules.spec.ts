import { isAllowedReaction } from './reaction-rules';

describe(isAllowedReaction.name, () => {
  it.each(['👍', '❤️', '👍🏽', '👩‍👩‍👧', '🇫🇷', '1️⃣', ':thumbsup:', ':+1:'])('accepts %s by default', (emoji) => {
    expect(isAllowedReaction(emoji, undefined)).toBe(true);
  });

  it.each(['', 'a', 'ok', '👍👍', 'x👍', ':no spaces:', ':UPPER:', '<script>', ':' + 'a'.repeat(40) + ':'])('refuses %j by default', (emoji) => {
    expect(isAllowedReaction(emoji, [])).toBe(false);
  });

  it('accepts only the allow-list when there is one', () => {
    expect(isAllowedReaction('👍', ['👍', ':party:'])).toBe(true);
    expect(isAllowedReaction(':party:', ['👍', ':party:'])).toBe(true);
    expect(isAllowedReaction('❤️', ['👍', ':party:'])).toBe(false);
  });
});
