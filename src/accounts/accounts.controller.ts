import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@parley/chat';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AccountsService } from './accounts.service';
import { AuthResponse } from './dto/auth.response';
import { CredentialsDto } from './dto/credentials.dto';
import { GuestAuthResponse, GuestDto } from './dto/guest.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { LocalAccountsGuard } from './local-accounts.guard';

// Public routes (no bearer token: `security: []` in the document), limited per address by the throttler.
const LOCAL_ACCOUNTS_DISABLED = { code: 'LOCAL_ACCOUNTS_DISABLED', message: 'Local accounts are disabled: this server verifies tokens of an identity provider (JWT_PUBLIC_KEY or JWT_JWKS_URI). Sign in there.' } as const;
const THROTTLED = { code: 'RATE_LIMITED', message: 'ThrottlerException: Too Many Requests' } as const;

@ApiTags('auth')
@Controller('api/v1/auth')
@UseGuards(ThrottlerGuard)
@ApiErrors(LOCAL_ACCOUNTS_DISABLED, THROTTLED, 'DATABASE_UNAVAILABLE')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('register')
  @ApiOperation({
    operationId: 'register',
    summary: 'Create a local account and get a token (409 when the username is taken)',
    description: 'Usernames are unique without regard to case. The token is a JWT for `Authorization: Bearer`; log in again (`createToken`) for a new one.',
  })
  @ApiCreatedResponse({ type: AuthResponse })
  @ApiErrors({ code: 'INVALID_INPUT', message: ['password must be longer than or equal to 8 characters'] }, { code: 'CONFLICT', message: 'That username is taken' })
  @UseGuards(LocalAccountsGuard)
  register(@Body() dto: CredentialsDto): Promise<AuthResponse> {
    return this.accounts.register(dto);
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'createToken',
    summary: 'Log in: a token for a username and password (401 when wrong)',
    description: 'Attempts are limited per client address (`AUTH_RATE_LIMIT` a minute).',
  })
  @ApiOkResponse({ type: AuthResponse })
  @ApiErrors({ code: 'INVALID_INPUT', message: ['username may contain only letters, digits, ".", "_" and "-"'] }, { code: 'UNAUTHENTICATED', message: 'Wrong username or password' })
  @UseGuards(LocalAccountsGuard)
  token(@Body() dto: CredentialsDto): Promise<AuthResponse> {
    return this.accounts.token(dto);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refreshToken',
    summary: 'A new access token and the next refresh token for a refresh token (each refresh token works once)',
    description:
      'Rotating: the presented refresh token is used up and the answer carries the next one of the same session. ' +
      'Presenting a used refresh token again revokes the whole session (its newer tokens too) and answers 401, as ' +
      'for an unknown, expired or revoked token (`INVALID_REFRESH_TOKEN`). Guest tokens have no refresh token.',
  })
  @ApiOkResponse({ type: AuthResponse })
  @ApiErrors({ code: 'INVALID_INPUT', message: ['refreshToken must be a string'] }, 'INVALID_REFRESH_TOKEN')
  @UseGuards(LocalAccountsGuard)
  refresh(@Body() dto: RefreshTokenDto): Promise<AuthResponse> {
    return this.accounts.refresh(dto);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'logout',
    summary: 'Log out: revokes the session of a refresh token (204 also when it is unknown)',
    description: 'Every refresh token of the session stops working. Access tokens already issued stay valid until they expire (TOKEN_TTL_SECONDS).',
  })
  @ApiNoContentResponse({ description: 'The session is revoked (or there was none)' })
  @ApiErrors({ code: 'INVALID_INPUT', message: ['refreshToken must be a string'] })
  @UseGuards(LocalAccountsGuard)
  logout(@Body() dto: RefreshTokenDto): Promise<void> {
    return this.accounts.logout(dto);
  }

  @Post('guest')
  @ApiOperation({
    operationId: 'createGuestToken',
    summary: 'A guest token for a display name: no password, valid for GUEST_TOKEN_TTL_SECONDS',
    description: 'Guests join, read and send in public rooms that allow guests; everything else is 403 `GUEST_NOT_ALLOWED`.',
  })
  @ApiCreatedResponse({ type: GuestAuthResponse })
  @ApiErrors({ code: 'INVALID_INPUT', message: ['name should not be empty'] })
  @UseGuards(LocalAccountsGuard)
  guest(@Body() dto: GuestDto): Promise<GuestAuthResponse> {
    return this.accounts.guest(dto);
  }
}
