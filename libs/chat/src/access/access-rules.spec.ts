import {
  USER_RULES,
  acceptsGuests,
  canAddMember,
  canBecomeMember,
  canReach,
  guestMay,
  canChangeRole,
  canDeleteRoom,
  canEditRoom,
  canJoinRoom,
  canLeaveRoom,
  canModerate,
  canRemoveMember,
  canViewRoom,
  type Membership,
} from './access-rules';

const group = { type: 'group' as const, isPublic: false };
const publicGroup = { type: 'group' as const, isPublic: true };
const direct = { type: 'direct' as const, isPublic: false };
const as = (role: 'owner' | 'admin' | 'member', userId: string = role): Membership => ({ role, userId });
const outsider: Membership = null;

describe('access rules', () => {
  test('canViewRoom: members see their rooms, everybody sees public group rooms, nobody else', () => {
    expect(canViewRoom(group, as('member'))).toBe(true);
    expect(canViewRoom(direct, as('member'))).toBe(true);
    expect(canViewRoom(publicGroup, outsider)).toBe(true);
    expect(canViewRoom(group, outsider)).toBe(false);
    expect(canViewRoom(direct, outsider)).toBe(false);
  });

  test('canEditRoom: owner and admins of group rooms', () => {
    expect(canEditRoom(group, as('owner'))).toBe(true);
    expect(canEditRoom(group, as('admin'))).toBe(true);
    expect(canEditRoom(group, as('member'))).toBe(false);
    expect(canEditRoom(publicGroup, outsider)).toBe(false);
    expect(canEditRoom(direct, as('owner'))).toBe(false);
  });

  test('canDeleteRoom: the owner of a group room only', () => {
    expect(canDeleteRoom(group, as('owner'))).toBe(true);
    expect(canDeleteRoom(group, as('admin'))).toBe(false);
    expect(canDeleteRoom(group, as('member'))).toBe(false);
    expect(canDeleteRoom(direct, as('member'))).toBe(false);
  });

  test('canJoinRoom: outsiders of public group rooms', () => {
    expect(canJoinRoom(publicGroup, outsider)).toBe(true);
    expect(canJoinRoom(publicGroup, as('member'))).toBe(false);
    expect(canJoinRoom(group, outsider)).toBe(false);
    expect(canJoinRoom(direct, outsider)).toBe(false);
  });

  test('canLeaveRoom: members of group rooms, never of direct rooms', () => {
    expect(canLeaveRoom(group, as('member'))).toBe(true);
    expect(canLeaveRoom(group, outsider)).toBe(false);
    expect(canLeaveRoom(direct, as('member'))).toBe(false);
  });

  test('canAddMember: owner adds members and admins, admins add members, nobody adds an owner or to a direct room', () => {
    expect(canAddMember(group, as('owner'), 'member')).toBe(true);
    expect(canAddMember(group, as('owner'), 'admin')).toBe(true);
    expect(canAddMember(group, as('admin'), 'member')).toBe(true);
    expect(canAddMember(group, as('admin'), 'admin')).toBe(false);
    expect(canAddMember(group, as('member'), 'member')).toBe(false);
    expect(canAddMember(group, as('owner'), 'owner')).toBe(false);
    expect(canAddMember(direct, as('owner'), 'member')).toBe(false);
    expect(canAddMember(publicGroup, outsider, 'member')).toBe(false);
  });

  test('canChangeRole: the owner of a group room only', () => {
    expect(canChangeRole(group, as('owner'))).toBe(true);
    expect(canChangeRole(group, as('admin'))).toBe(false);
    expect(canChangeRole(group, as('member'))).toBe(false);
    expect(canChangeRole(direct, as('owner'))).toBe(false);
  });

  test('canRemoveMember: yourself; the owner anybody; admins plain members; never in direct rooms', () => {
    expect(canRemoveMember(group, as('member', 'm1'), { role: 'member', userId: 'm1' })).toBe(true);
    expect(canRemoveMember(group, as('member', 'm1'), { role: 'member', userId: 'm2' })).toBe(false);
    expect(canRemoveMember(group, as('owner', 'o'), { role: 'admin', userId: 'a' })).toBe(true);
    expect(canRemoveMember(group, as('owner', 'o'), { role: 'member', userId: 'm' })).toBe(true);
    expect(canRemoveMember(group, as('admin', 'a1'), { role: 'member', userId: 'm' })).toBe(true);
    expect(canRemoveMember(group, as('admin', 'a1'), { role: 'admin', userId: 'a2' })).toBe(false);
    expect(canRemoveMember(group, as('admin', 'a1'), { role: 'owner', userId: 'o' })).toBe(false);
    expect(canRemoveMember(group, outsider, { role: 'member', userId: 'm' })).toBe(false);
    expect(canRemoveMember(direct, as('member', 'm1'), { role: 'member', userId: 'm1' })).toBe(false);
  });

  test('canModerate: owner and admins', () => {
    expect(canModerate(as('owner'))).toBe(true);
    expect(canModerate(as('admin'))).toBe(true);
    expect(canModerate(as('member'))).toBe(false);
    expect(canModerate(outsider)).toBe(false);
  });

  test('acceptsGuests: public group rooms with allowGuests only', () => {
    expect(acceptsGuests({ ...publicGroup, allowGuests: true })).toBe(true);
    expect(acceptsGuests({ ...publicGroup, allowGuests: false })).toBe(false);
    expect(acceptsGuests({ ...group, allowGuests: true })).toBe(false);
    expect(acceptsGuests({ ...direct, allowGuests: true })).toBe(false);
  });

  test('guestMay: see any visible room, leave; read and join only where guests are accepted; nothing else', () => {
    const open = { ...publicGroup, allowGuests: true };
    const closed = { ...publicGroup, allowGuests: false };
    for (const permission of ['room.view', 'room.leave', 'member.remove'] as const) expect([permission, guestMay(permission, closed)]).toEqual([permission, true]);
    for (const permission of ['room.read', 'room.join'] as const) {
      expect([permission, guestMay(permission, open), guestMay(permission, closed)]).toEqual([permission, true, false]);
    }
    for (const permission of ['room.edit', 'room.delete', 'room.notifications', 'member.add', 'member.addAdmin', 'member.changeRole', 'message.moderate'] as const) {
      expect([permission, guestMay(permission, open)]).toEqual([permission, false]);
    }
  });

  test('canBecomeMember: anybody who is not a guest; a guest as a plain member of a room that accepts guests', () => {
    const open = { ...publicGroup, allowGuests: true };
    expect(canBecomeMember(group, { guest: false }, 'admin')).toBe(true);
    expect(canBecomeMember(open, { guest: true }, 'member')).toBe(true);
    expect(canBecomeMember(open, { guest: true }, 'admin')).toBe(false);
    expect(canBecomeMember(publicGroup, { guest: true }, 'member')).toBe(false);
    expect(canBecomeMember(direct, { guest: true }, 'member')).toBe(false);
  });

  test('canReach: nobody reaches a user who blocked them', () => {
    expect(canReach(false)).toBe(true);
    expect(canReach(true)).toBe(false);
  });

  test('USER_RULES: every permission outside rooms is held by users, by no guest', () => {
    for (const [permission, allows] of Object.entries(USER_RULES)) {
      expect([permission, allows({}), allows({ guest: false }), allows({ guest: true })]).toEqual([permission, true, true, false]);
    }
  });
});
