import { Logger } from '@nestjs/common';
import type { ChatPrincipal } from '../auth/chat-principal';
import type { ChatModuleOptions } from '../chat.options';
import { ChatConfig } from '../common/chat-config';
import { principalFromClaims } from '../auth/token-verifier';
import { canAdministerServer } from './access-rules';
import { ServerAdmins } from './server-admins';

const adminsWith = (isAdmin?: ChatModuleOptions['isAdmin']) => new ServerAdmins(new ChatConfig({ jwt: { secret: 'x' }, isAdmin }));

describe(ServerAdmins.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it('takes the JWT claim chatAdmin: true, and nothing else, as an administrator', async () => {
    expect(principalFromClaims({ sub: 'a', chatAdmin: true }).admin).toBe(true);
    for (const chatAdmin of [false, 'true', 1, undefined]) expect(principalFromClaims({ sub: 'a', chatAdmin }).admin).toBeUndefined();
    expect(await adminsWith().allows({ userId: 'a', admin: true })).toBe(true);
    expect(await adminsWith().allows({ userId: 'a' })).toBe(false);
  });

  it('asks the host when the credential does not say so, and marks the principal', async () => {
    const asked: string[] = [];
    const admins = adminsWith((principal) => {
      asked.push(principal.userId);
      return principal.userId === 'boss';
    });
    const boss: ChatPrincipal = { userId: 'boss' };
    expect(await admins.allows(boss)).toBe(true);
    expect(boss.admin).toBe(true);
    expect(await admins.allows({ userId: 'clerk' })).toBe(false);
    // A credential that already makes an administrator needs no question.
    expect(await admins.allows({ userId: 'claimed', admin: true })).toBe(true);
    expect(asked).toEqual(['boss', 'clerk']);
  });

  it('denies when the hook fails or answers anything but true, and logs the failure', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await adminsWith(() => Promise.reject(new Error('directory down'))).allows({ userId: 'a' })).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('directory down'));
    expect(await adminsWith(() => 'yes' as unknown as boolean).allows({ userId: 'a' })).toBe(false);
    expect(canAdministerServer({})).toBe(false);
  });
});
