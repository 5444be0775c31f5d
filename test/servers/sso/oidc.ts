// The SSO OIDC side of the local Identity Center: client registration, the device authorization grant
// (RFC 8628: pending, slow_down with +5 s, expiry, denial, one use per device code) and refresh tokens, with the
// sign-in sessions the portal's bearer tokens belong to. State lives in memory; time comes from a movable clock.
import { randomBytes, randomUUID } from 'node:crypto';
import { AUTH_CODE_GRANT, AuthCodes, isLoopbackRedirect } from './authorize';
import { oidc } from './http';

export class Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface OidcOptions {
  /** Seconds a client polls apart (StartDeviceAuthorization's `interval`); default 1, as AWS answers. */
  intervalSeconds?: number;
  /** Lifetime of a device code; default 600. */
  deviceCodeTtlSeconds?: number;
  /** Lifetime of an access token; default 8 hours, the Identity Center default session. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of a client registration; default 90 days. */
  clientTtlSeconds?: number;
}

export interface ClientRecord {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  expiresAtMs: number;
  /** The grants it registered for; undefined: the device and refresh grants (a registration without grantTypes). */
  grantTypes?: string[];
  redirectUris: string[];
}

interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  startUrl: string;
  expiresAtMs: number;
  intervalMs: number;
  lastPollMs?: number;
  state: 'pending' | 'approved' | 'denied' | 'used';
  userName?: string;
}

export interface TokenRecord {
  userName: string;
  clientId: string;
  /** One sign-in: Logout ends it, with every token refreshed from it. */
  sessionId: string;
  expiresAtMs: number;
}

interface RefreshRecord {
  userName: string;
  clientId: string;
  sessionId: string;
}

export interface TokenResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken?: string;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const GRANT_TYPES = new Set([DEVICE_GRANT, AUTH_CODE_GRANT, 'refresh_token']);
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const opaque = (prefix: string, bytes: number): string => prefix + randomBytes(bytes).toString('base64url');

function userCode(): string {
  const letters = Array.from(randomBytes(8), (b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join('');
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

function stringField(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringList(input: Record<string, unknown>, name: string): string[] | undefined {
  const value = input[name];
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
}

function requiredField(input: Record<string, unknown>, name: string): string {
  const value = stringField(input, name);
  if (value === undefined) throw oidc.invalidRequest(`Missing required parameter: ${name}`);
  return value;
}

export class OidcState {
  private readonly clients = new Map<string, ClientRecord>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly endedSessions = new Set<string>();
  private readonly issued: string[] = [];
  readonly authCodes: AuthCodes;
  private readonly interval: number;
  private readonly deviceTtl: number;
  private readonly accessTtl: number;
  private readonly clientTtl: number;

  constructor(
    readonly clock: Clock,
    private readonly startUrl: string,
    private readonly verificationUri: string,
    options: OidcOptions = {},
  ) {
    this.interval = options.intervalSeconds ?? 1;
    this.deviceTtl = options.deviceCodeTtlSeconds ?? 600;
    this.accessTtl = options.accessTokenTtlSeconds ?? 8 * 3600;
    this.clientTtl = options.clientTtlSeconds ?? 90 * 86400;
    this.authCodes = new AuthCodes(() => this.clock.now());
  }

  issuedSecrets(): string[] {
    return [...this.issued, ...this.authCodes.issuedCodes()];
  }

  registerClient(input: Record<string, unknown>) {
    requiredField(input, 'clientName');
    if (requiredField(input, 'clientType') !== 'public') throw oidc.invalidClientMetadata('Invalid client type');
    const scopes = stringList(input, 'scopes') ?? [];
    const grantTypes = stringList(input, 'grantTypes');
    const redirectUris = stringList(input, 'redirectUris') ?? [];
    if (grantTypes?.some((g) => !GRANT_TYPES.has(g))) throw oidc.unsupportedGrant();
    if (grantTypes?.includes(AUTH_CODE_GRANT)) {
      // The CLI registers the auth-code grant with a loopback redirect URI and the start URL as issuerUrl.
      if (redirectUris.length === 0) throw oidc.invalidRequest('Missing required parameter: redirectUris');
      if (stringField(input, 'issuerUrl') !== this.startUrl) throw oidc.invalidRequest('Invalid issuer URL');
    }
    if (redirectUris.some((uri) => !isLoopbackRedirect(uri))) throw oidc.invalidRedirectUri();
    const now = this.clock.now();
    const client: ClientRecord = {
      clientId: opaque('', 16),
      clientSecret: opaque('eyJraWQiOiJrZXktTE9DQUwi.', 96),
      scopes,
      expiresAtMs: now + this.clientTtl * 1000,
      grantTypes,
      redirectUris,
    };
    this.clients.set(client.clientId, client);
    this.issued.push(client.clientSecret);
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientIdIssuedAt: Math.floor(now / 1000),
      clientSecretExpiresAt: Math.floor(client.expiresAtMs / 1000),
    };
  }

  /** `verificationUri`: the page on the host the request came to (a forwarder's address, in the e2e run). */
  startDeviceAuthorization(input: Record<string, unknown>, verificationUri = this.verificationUri) {
    const client = this.authenticateClient(input);
    if (client.grantTypes && !client.grantTypes.includes(DEVICE_GRANT)) throw oidc.unauthorizedClient();
    const startUrl = requiredField(input, 'startUrl');
    if (startUrl !== this.startUrl) throw oidc.invalidRequest('Invalid start URL');
    const device: DeviceRecord = {
      deviceCode: opaque('', 48),
      userCode: userCode(),
      clientId: client.clientId,
      startUrl,
      expiresAtMs: this.clock.now() + this.deviceTtl * 1000,
      intervalMs: this.interval * 1000,
      state: 'pending',
    };
    this.devices.set(device.deviceCode, device);
    this.issued.push(device.deviceCode);
    return {
      deviceCode: device.deviceCode,
      userCode: device.userCode,
      verificationUri,
      verificationUriComplete: `${verificationUri}?user_code=${device.userCode}`,
      expiresIn: this.deviceTtl,
      interval: this.interval,
    };
  }

  createToken(input: Record<string, unknown>): TokenResponse {
    const client = this.authenticateClient(input);
    const grantType = requiredField(input, 'grantType');
    if (client.grantTypes && GRANT_TYPES.has(grantType) && !client.grantTypes.includes(grantType)) throw oidc.unauthorizedClient();
    if (grantType === AUTH_CODE_GRANT) {
      const userName = this.authCodes.redeem(client.clientId, {
        code: requiredField(input, 'code'),
        redirectUri: stringField(input, 'redirectUri'),
        codeVerifier: stringField(input, 'codeVerifier'),
      });
      return this.issueTokens(client, userName, randomUUID());
    }
    if (grantType === DEVICE_GRANT) return this.redeemDeviceCode(client, requiredField(input, 'deviceCode'));
    if (grantType === 'refresh_token') return this.redeemRefreshToken(client, requiredField(input, 'refreshToken'));
    throw oidc.unsupportedGrant();
  }

  /** A registered client that has not expired, for /authorize (which has no client secret). */
  liveClient(clientId: string): ClientRecord | undefined {
    const client = this.clients.get(clientId);
    return client && this.clock.now() < client.expiresAtMs ? client : undefined;
  }

  /** The pending request a user code names, for the verification page; undefined when unknown or over. */
  pendingDevice(code: string): DeviceRecord | undefined {
    const device = [...this.devices.values()].find((d) => d.userCode === code.trim().toUpperCase());
    return device && device.state === 'pending' && this.clock.now() < device.expiresAtMs ? device : undefined;
  }

  approve(device: DeviceRecord, userName: string): void {
    device.state = 'approved';
    device.userName = userName;
  }

  deny(device: DeviceRecord): void {
    device.state = 'denied';
  }

  /** The live sign-in behind a portal bearer token, or undefined when it is unknown, expired or ended. */
  tokenFor(accessToken: string): TokenRecord | undefined {
    const token = this.tokens.get(accessToken);
    if (!token || this.endedSessions.has(token.sessionId) || this.clock.now() >= token.expiresAtMs) return undefined;
    return token;
  }

  /** Portal Logout, or an administrator revoking sessions: the tokens and refresh tokens stop working. */
  endSession(sessionId: string): void {
    this.endedSessions.add(sessionId);
  }

  endAllSessions(): void {
    for (const token of this.tokens.values()) this.endedSessions.add(token.sessionId);
  }

  private authenticateClient(input: Record<string, unknown>): ClientRecord {
    const client = this.clients.get(requiredField(input, 'clientId'));
    if (!client || client.clientSecret !== requiredField(input, 'clientSecret')) throw oidc.invalidClient('Invalid client');
    if (this.clock.now() >= client.expiresAtMs) throw oidc.invalidClient('Client registration has expired');
    return client;
  }

  private redeemDeviceCode(client: ClientRecord, deviceCode: string): TokenResponse {
    const device = this.devices.get(deviceCode);
    if (!device || device.clientId !== client.clientId || device.state === 'used') throw oidc.invalidGrant('Invalid device code provided');
    const now = this.clock.now();
    if (now >= device.expiresAtMs) throw oidc.expired();
    if (device.state === 'denied') throw oidc.denied();
    const tooSoon = device.lastPollMs !== undefined && now - device.lastPollMs < device.intervalMs;
    device.lastPollMs = now;
    if (tooSoon) {
      // RFC 8628 §3.5: the client must add 5 seconds to its interval from now on; so does the server.
      device.intervalMs += 5000;
      throw oidc.slowDown();
    }
    if (device.state === 'pending') throw oidc.pending();
    device.state = 'used';
    return this.issueTokens(client, device.userName!, randomUUID());
  }

  private redeemRefreshToken(client: ClientRecord, refreshToken: string): TokenResponse {
    const refresh = this.refreshTokens.get(refreshToken);
    if (!refresh || refresh.clientId !== client.clientId || this.endedSessions.has(refresh.sessionId)) {
      throw oidc.invalidGrant('Invalid refresh token provided');
    }
    // Refresh tokens rotate: the old one is spent.
    this.refreshTokens.delete(refreshToken);
    return this.issueTokens(client, refresh.userName, refresh.sessionId);
  }

  private issueTokens(client: ClientRecord, userName: string, sessionId: string): TokenResponse {
    const accessToken = opaque('aoaLOCAL', 120);
    this.tokens.set(accessToken, { userName, clientId: client.clientId, sessionId, expiresAtMs: this.clock.now() + this.accessTtl * 1000 });
    this.issued.push(accessToken);
    const response: TokenResponse = { accessToken, tokenType: 'Bearer', expiresIn: this.accessTtl };
    // As in AWS, only clients registered for account access get a refresh token.
    if (client.scopes.includes('sso:account:access')) {
      response.refreshToken = opaque('aorLOCAL', 120);
      this.refreshTokens.set(response.refreshToken, { userName, clientId: client.clientId, sessionId });
      this.issued.push(response.refreshToken);
    }
    return response;
  }
}
