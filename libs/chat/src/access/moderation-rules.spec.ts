import { canBan, canModerateRoom, canSilence, isBanActive, isSilenced, type Membership } from './access-rules';

const group = { type: 'group' as const, isPublic: false };
const direct = { type: 'direct' as const, isPublic: false };
const as = (role: 'owner' | 'admin' | 'member', userId: string = role): Membership => ({ role, userId });
const target = (role: 'owner' | 'admin' | 'member' | null, userId = `target-${role}`) => ({ userId, role });
const NOW = new Date('2026-05-01T12:00:00Z');
const later = new Date(NOW.getTime() + 60_000);
const earlier = new Date(NOW.getTime() - 60_000);

describe('moderation rules', () => {
  test('canModerateRoom: owner and admins of group rooms, never in direct rooms', () => {
    expect(canModerateRoom(group, as('owner'))).toBe(true);
    expect(canModerateRoom(group, as('admin'))).toBe(true);
    expect(canModerateRoom(group, as('member'))).toBe(false);
    expect(canModerateRoom(group, null)).toBe(false);
    expect(canModerateRoom(direct, as('member'))).toBe(false);
  });

  test('canBan: the owner bans anybody else; admins plain members and non-members; nobody themself', () => {
    expect(canBan(group, as('owner'), target('admin'))).toBe(true);
    expect(canBan(group, as('owner'), target(null))).toBe(true);
    expect(canBan(group, as('owner'), target('owner', 'owner'))).toBe(false);
    expect(canBan(group, as('admin'), target('member'))).toBe(true);
    expect(canBan(group, as('admin'), target(null))).toBe(true);
    expect(canBan(group, as('admin'), target('admin'))).toBe(false);
    expect(canBan(group, as('admin'), target('owner'))).toBe(false);
    expect(canBan(group, as('admin'), target('admin', 'admin'))).toBe(false);
    expect(canBan(group, as('member'), target('member'))).toBe(false);
    expect(canBan(direct, as('member'), target('member'))).toBe(false);
  });

  test('canSilence: as canBan, members only', () => {
    expect(canSilence(group, as('owner'), target('admin'))).toBe(true);
    expect(canSilence(group, as('admin'), target('member'))).toBe(true);
    expect(canSilence(group, as('admin'), target('admin'))).toBe(false);
    expect(canSilence(group, as('owner'), target(null))).toBe(false);
  });

  test('isBanActive and isSilenced: without an end, or until the end passes', () => {
    expect(isBanActive({ until: null }, NOW)).toBe(true);
    expect(isBanActive({ until: later }, NOW)).toBe(true);
    expect(isBanActive({ until: earlier }, NOW)).toBe(false);
    expect(isSilenced({ role: 'member', userId: 'm', silencedUntil: later }, NOW)).toBe(true);
    expect(isSilenced({ role: 'member', userId: 'm', silencedUntil: earlier }, NOW)).toBe(false);
    expect(isSilenced({ role: 'member', userId: 'm', silencedUntil: null }, NOW)).toBe(false);
  });
});
