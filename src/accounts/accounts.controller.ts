import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse } from '@parley/chat';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AccountsService } from './accounts.service';
import { AuthResponse } from './dto/auth.response';
import { CredentialsDto } from './dto/credentials.dto';
import { GuestAuthResponse, GuestDto } from './dto/guest.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { LocalAccountsGuard } from './local-accounts.guard';

@ApiTags('auth')
@Controller('api/v1/auth')
@UseGuards(ThrottlerGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('register')
  @ApiOperation({ operationId: 'register', summary: 'Create a local account and get a token (409 when the username is taken)' })
  @ApiCreatedResponse({ type: AuthResponse })
  @ApiResponse({ status: 400, description: 'Invalid username or password', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'Local accounts are disabled: tokens come from an identity provider (`LOCAL_ACCOUNTS_DISABLED`)', type: ErrorResponse })
  @ApiResponse({ status: 409, description: 'The username is taken', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address', type: ErrorResponse })
  @UseGuards(LocalAccountsGuard)
  register(@Body() dto: CredentialsDto): Promise<AuthResponse> {
    return this.accounts.register(dto);
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ operationId: 'createToken', summary: 'Log in: a token for a username and password (401 when wrong)' })
  @ApiOkResponse({ type: AuthResponse })
  @ApiResponse({ status: 400, description: 'Invalid username or password format', type: ErrorResponse })
  @ApiResponse({ status: 401, description: 'Wrong username or password', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'Local accounts are disabled: tokens come from an identity provider (`LOCAL_ACCOUNTS_DISABLED`)', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address', type: ErrorResponse })
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
    security: [],
  })
  @ApiOkResponse({ type: AuthResponse })
  @ApiResponse({ status: 400, description: 'No refresh token, or not a string of at most 128 characters', type: ErrorResponse })
  @ApiResponse({ status: 401, description: 'The refresh token is unknown, expired, used or revoked (`INVALID_REFRESH_TOKEN`)', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'Local accounts are disabled: tokens come from an identity provider (`LOCAL_ACCOUNTS_DISABLED`)', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address', type: ErrorResponse })
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
    security: [],
  })
  @ApiNoContentResponse({ description: 'The session is revoked (or there was none)' })
  @ApiResponse({ status: 400, description: 'No refresh token, or not a string of at most 128 characters', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'Local accounts are disabled: tokens come from an identity provider (`LOCAL_ACCOUNTS_DISABLED`)', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address', type: ErrorResponse })
  @UseGuards(LocalAccountsGuard)
  logout(@Body() dto: RefreshTokenDto): Promise<void> {
    return this.accounts.logout(dto);
  }

  @Post('guest')
  @ApiOperation({ operationId: 'createGuestToken', summary: 'A guest token for a display name: no password, valid for GUEST_TOKEN_TTL_SECONDS' })
  @ApiCreatedResponse({ type: GuestAuthResponse })
  @ApiResponse({ status: 400, description: 'Invalid name', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'Local accounts are disabled: tokens come from an identity provider (`LOCAL_ACCOUNTS_DISABLED`)', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address', type: ErrorResponse })
  @UseGuards(LocalAccountsGuard)
  guest(@Body() dto: GuestDto): Promise<GuestAuthResponse> {
    return this.accounts.guest(dto);
  }
}
