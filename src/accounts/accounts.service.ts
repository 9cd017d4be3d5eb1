import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ChatError } from '@parley/chat';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import type { AccountResponse, AuthResponse } from './dto/auth.response';
import type { CredentialsDto } from './dto/credentials.dto';
import type { GuestAuthResponse, GuestDto } from './dto/guest.dto';
import type { RefreshTokenDto } from './dto/refresh-token.dto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MAX_USER_SEARCH_RESULTS } from './dto/search-users.dto';
import { AccountDirectory } from './account-directory';
import { AccountEntity } from './entities/account.entity';
import { hashPassword, verifyPassword } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';

/** Every refusal of a refresh token reads the same, so an answer does not tell a stolen token from an old one. */
const invalidRefreshToken = (): ChatError => new ChatError('INVALID_REFRESH_TOKEN', 'The refresh token is not valid (unknown, expired, used or revoked): log in again');

@Injectable()
export class AccountsService {
  /**
   * Checked against when the username does not exist, so that a log-in runs scrypt once with the same parameters
   * whether the account exists or not (no timing difference tells which usernames are taken). A real hash of a
   * random password, made once when the service starts.
   */
  private readonly dummyHash: Promise<string> = hashPassword(randomBytes(32).toString('base64url'));

  constructor(
    @InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>,
    /** Signs with JWT_SECRET, HS256, the token lifetime and JWT_ISSUER / JWT_AUDIENCE (AccountsModule's JwtModule). */
    private readonly jwt: JwtService,
    private readonly directory: AccountDirectory,
    private readonly refreshTokens: RefreshTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(dto: CredentialsDto): Promise<AuthResponse> {
    const passwordHash = await hashPassword(dto.password);
    try {
      const account = await this.accounts.save(this.accounts.create({ username: dto.username, usernameLower: dto.username.toLowerCase(), passwordHash }));
      this.directory.added(account);
      return this.issue(account);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ConflictException('That username is taken');
      }
      throw error;
    }
  }

  async token(dto: CredentialsDto): Promise<AuthResponse> {
    const account = await this.accounts.findOneBy({ usernameLower: dto.username.toLowerCase() });
    const valid = await verifyPassword(dto.password, account?.passwordHash ?? (await this.dummyHash));
    if (!account || !valid) throw new UnauthorizedException('Wrong username or password');
    return this.issue(account);
  }

  /**
   * A new access token and the next refresh token of the same family. A refresh token works once: presenting it
   * again revokes its family (whoever holds the newer token must log in again), and answers 401 like any other
   * refusal.
   */
  async refresh(dto: RefreshTokenDto): Promise<AuthResponse> {
    const rotation = await this.refreshTokens.rotate(dto.refreshToken);
    if (rotation.outcome !== 'rotated') throw invalidRefreshToken();
    // The tokens go with their account (ON DELETE CASCADE); an account removed after the rotation is refused too.
    const account = await this.accounts.findOneBy({ id: rotation.accountId });
    if (!account) throw invalidRefreshToken();
    return this.access(account, rotation.token);
  }

  /** Logout: the family of the refresh token is revoked; an unknown token is no error (logging out twice is fine). */
  logout(dto: RefreshTokenDto): Promise<void> {
    return this.refreshTokens.revoke(dto.refreshToken);
  }

  /** Accounts whose username starts with `prefix`, without regard to case, by username; ids and usernames only. */
  async search(prefix: string, limit = MAX_USER_SEARCH_RESULTS): Promise<AccountResponse[]> {
    // `_` is allowed in usernames and is a LIKE wildcard: escape the pattern characters.
    const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.accounts
      .createQueryBuilder('account')
      .select(['account.id', 'account.username'])
      .where("account.usernameLower LIKE :pattern ESCAPE '\\'", { pattern })
      .orderBy('account.usernameLower', 'ASC')
      .limit(Math.min(limit, MAX_USER_SEARCH_RESULTS))
      .getMany();
    return rows.map((account) => ({ id: account.id, username: account.username }));
  }

  /**
   * A guest token: no account is stored. The id is new each time (`guest-<uuid>`, which no local account's id can
   * be), so a guest who comes back after the token expired is a new guest.
   */
  async guest(dto: GuestDto): Promise<GuestAuthResponse> {
    const id = `guest-${randomUUID()}`;
    const name = dto.name.trim();
    const accessToken = await this.jwt.signAsync({ sub: id, name, guest: true }, { expiresIn: this.config.guestTokenTtlSeconds });
    return { accessToken, user: { id, name, guest: true } };
  }

  /** After register or log-in: an access token and the first refresh token of a new family. */
  private async issue(account: AccountEntity): Promise<AuthResponse> {
    return this.access(account, await this.refreshTokens.issue(account.id));
  }

  private async access(account: AccountEntity, refreshToken: string): Promise<AuthResponse> {
    const accessToken = await this.jwt.signAsync({ sub: account.id, name: account.username });
    return { accessToken, refreshToken, expiresIn: this.config.tokenTtlSeconds, user: { id: account.id, username: account.username } };
  }
}
