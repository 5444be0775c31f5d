// The registered OIDC client and the access token of each Identity Center instance, kept in the caller's
// SecretStore only, and the refresh that keeps the token alive: a token within REFRESH_WINDOW_MS of its end is
// exchanged for a new one with its refresh token (rotating both), as the AWS CLI and SDK do.
import { UserError } from '../userError';
import { oidcCall, serviceErrorOf } from './clients';
import { type IdentityCenterInstance, type IdentityCenterSettings, type SecretStore, now, secretKey } from './instance';

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  /** When the registration ends (RFC 3339), from clientSecretExpiresAt. */
  expiresAt: string;
  /** Registered for the authorization-code grant (with a loopback redirect URI); absent: the device grant. */
  grantTypes?: string[];
}

/** Which grant a registration is for: the CLI keeps one per grant as well (a device client cannot redirect). */
export type Grant = 'device' | 'authorizationCode';
/** What the AWS CLI registers for the authorization-code grant (awscli botocore/utils.py SSOTokenFetcherAuth). */
export const AUTH_CODE_GRANT_TYPES = ['authorization_code', 'refresh_token'];
/** Registered without a port: a loopback redirect matches on any port (RFC 8252 §7.3), the listener's is ephemeral. */
export const LOOPBACK_REDIRECT_URI = 'http://127.0.0.1/oauth/callback';

export interface SsoToken {
  accessToken: string;
  /** RFC 3339. */
  expiresAt: string;
  refreshToken?: string;
  /** Where it came from: our own sign-in (SecretStore) or the AWS CLI's cache (read only, never refreshed). */
  source: 'signIn' | 'awsCli';
}

/** Refresh this long before the end, like the SDK's token provider (5 minutes). */
export const REFRESH_WINDOW_MS = 5 * 60 * 1000;
/** A registration this close to its end is replaced rather than used for a new sign-in. */
const CLIENT_MARGIN_MS = 60 * 60 * 1000;
/** The access portal's scope: what ListAccounts, ListAccountRoles and GetRoleCredentials need. */
const PORTAL_SCOPES = ['sso:account:access'];

async function readJson<T>(store: SecretStore, key: string): Promise<T | undefined> {
  const text = await store.get(key);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    await store.delete(key); // unreadable: as good as absent
    return undefined;
  }
}

function readClient(instance: IdentityCenterInstance, store: SecretStore): Promise<RegisteredClient | undefined> {
  return readJson<RegisteredClient>(store, secretKey(instance, 'client'));
}

export function readToken(instance: IdentityCenterInstance, store: SecretStore): Promise<SsoToken | undefined> {
  return readJson<SsoToken>(store, secretKey(instance, 'token'));
}

export async function saveToken(instance: IdentityCenterInstance, store: SecretStore, token: SsoToken): Promise<void> {
  await store.store(secretKey(instance, 'token'), JSON.stringify(token));
}

/** Forgets the token and the registration of one instance (sign out). */
export async function forget(instance: IdentityCenterInstance, store: SecretStore): Promise<void> {
  await store.delete(secretKey(instance, 'token'));
  await store.delete(secretKey(instance, 'client'));
}

/** The stored registration for `grant` while it has more than an hour left, else a new one (RegisterClient), stored. */
export async function registeredClient(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
  clientName: string,
  grant: Grant = 'device',
): Promise<RegisteredClient> {
  const existing = await readClient(instance, store);
  const sameGrant = (existing?.grantTypes?.includes('authorization_code') ?? false) === (grant === 'authorizationCode');
  if (existing && sameGrant && Date.parse(existing.expiresAt) - now(settings) > CLIENT_MARGIN_MS) return existing;
  const authCode =
    grant === 'authorizationCode'
      ? { grantTypes: AUTH_CODE_GRANT_TYPES, redirectUris: [LOOPBACK_REDIRECT_URI], issuerUrl: instance.startUrl }
      : {};
  const response = await oidcCall(instance, settings, {
    ctx: { action: 'RegisterClient' },
    run: (client, sdk, abortSignal) =>
      client.send(new sdk.RegisterClientCommand({ clientName, clientType: 'public', scopes: PORTAL_SCOPES, ...authCode }), {
        abortSignal,
      }),
  });
  if (!response.clientId || !response.clientSecret || response.clientSecretExpiresAt === undefined) {
    throw new UserError(
      `IAM Identity Center answered RegisterClient without a client for ${instance.startUrl}: try again.`,
      'SsoBadResponse',
    );
  }
  const registered: RegisteredClient = {
    clientId: response.clientId,
    clientSecret: response.clientSecret,
    expiresAt: new Date(response.clientSecretExpiresAt * 1000).toISOString(),
    ...(authCode.grantTypes ? { grantTypes: authCode.grantTypes } : {}),
  };
  await store.store(secretKey(instance, 'client'), JSON.stringify(registered));
  return registered;
}

/** A CreateToken answer as the token we keep. */
export function tokenFrom(
  response: { accessToken?: string; expiresIn?: number; refreshToken?: string },
  settings: IdentityCenterSettings,
): SsoToken {
  if (!response.accessToken || response.expiresIn === undefined) {
    throw new UserError('IAM Identity Center answered CreateToken without a token: sign in again.', 'SsoBadResponse');
  }
  return {
    accessToken: response.accessToken,
    expiresAt: new Date(now(settings) + response.expiresIn * 1000).toISOString(),
    refreshToken: response.refreshToken,
    source: 'signIn',
  };
}

export function expiresWithin(token: SsoToken, ms: number, settings: IdentityCenterSettings): boolean {
  return Date.parse(token.expiresAt) - now(settings) <= ms;
}

function signInRequired(instance: IdentityCenterInstance, code: 'SsoSignInRequired' | 'SsoTokenExpired'): UserError {
  const what = code === 'SsoSignInRequired' ? 'You are not signed in to' : 'Your sign-in has expired for';
  return new UserError(`${what} IAM Identity Center at ${instance.startUrl}: run 'Sign in to IAM Identity Center'.`, code);
}

/**
 * The stored token, refreshed first when it ends within five minutes. A refused refresh (the session was ended
 * or the refresh token expired) forgets the token and throws SsoTokenExpired; a refresh that could not reach the
 * service keeps the token (the old one while it still works; the error once it has ended).
 *
 * The service rotates refresh tokens: a refresh token redeemed twice is refused the second time. So a store (a
 * window) refreshes one token once however many callers ask (the timer and a credentials call), and a refusal
 * is checked against the store first, since SecretStorage is shared by every window: when another window
 * redeemed the refresh token first, its token is stored (or soon will be: savedInstead) and is used; only the
 * token that failed is forgotten.
 */
export async function validToken(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
): Promise<SsoToken> {
  const token = await readToken(instance, store);
  if (!token) throw signInRequired(instance, 'SsoSignInRequired');
  if (!expiresWithin(token, REFRESH_WINDOW_MS, settings)) return token;
  const flights = refreshing.get(store) ?? new Map<string, Promise<SsoToken>>();
  refreshing.set(store, flights);
  const key = secretKey(instance, 'token');
  const running = flights.get(key);
  if (running) return running;
  const flight = refreshStored(instance, store, settings, token).finally(() => flights.delete(key));
  flights.set(key, flight);
  return flight;
}

/** The refresh in flight per store and token key. */
const refreshing = new WeakMap<SecretStore, Map<string, Promise<SsoToken>>>();

const sameToken = (a: SsoToken, b: SsoToken) => a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;

/** Forgets `token` if it is still the stored one: a token another window stored meanwhile is not ours to delete. */
export async function forgetToken(instance: IdentityCenterInstance, store: SecretStore, token: SsoToken): Promise<void> {
  const stored = await readToken(instance, store);
  if (stored && sameToken(stored, token)) await store.delete(secretKey(instance, 'token'));
}

async function refreshStored(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
  token: SsoToken,
): Promise<SsoToken> {
  const client = await readClient(instance, store);
  const refreshable = token.refreshToken && client && Date.parse(client.expiresAt) > now(settings);
  if (!refreshable) {
    if (!expiresWithin(token, 0, settings)) return token;
    await forgetToken(instance, store, token);
    throw signInRequired(instance, 'SsoTokenExpired');
  }
  try {
    const refreshed = await refreshToken(instance, settings, client, token.refreshToken!);
    await saveToken(instance, store, refreshed);
    return refreshed;
  } catch (error) {
    const refused = ['InvalidGrantException', 'InvalidClientException', 'UnauthorizedClientException'].includes(
      serviceErrorOf(error) ?? '',
    );
    if (refused) {
      const saved = await savedInstead(instance, store, settings, token);
      if (saved) return saved;
      await forgetToken(instance, store, token);
      throw signInRequired(instance, 'SsoTokenExpired');
    }
    // Unreachable or throttled: the token is kept, to be refreshed on the next call.
    if (!expiresWithin(token, 0, settings)) return token;
    throw error;
  }
}

/** How often the shared store is read again while another window may be saving its refreshed token. */
const SAVE_POLL_MS = 200;
/**
 * The longest wait for that token, within the request timeout: the service answered the other window before it
 * refused us, so its save comes within the network's jitter; a session that really ended is said this late.
 */
const SAVE_WAIT_MS = 5_000;

/**
 * The token another window stored in place of `failed`, whose refresh was refused: that window redeemed the
 * refresh token first, and its answer may reach it (and be saved) after our refusal reached us. So the shared
 * store is read again until it holds another token, for at most SAVE_WAIT_MS within the request timeout
 * (SecretStorage tells no other window of a change). Undefined when nothing else came (a sign-out, or a session really ended).
 */
async function savedInstead(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
  failed: SsoToken,
): Promise<SsoToken | undefined> {
  const deadline = Date.now() + Math.min(settings.timeoutMs, SAVE_WAIT_MS);
  for (;;) {
    const stored = await readToken(instance, store);
    if (!stored) return undefined;
    if (!sameToken(stored, failed)) return expiresWithin(stored, 0, settings) ? undefined : stored;
    if (Date.now() >= deadline || settings.signal?.aborted) return undefined;
    await new Promise((resolve) => setTimeout(resolve, SAVE_POLL_MS));
  }
}

async function refreshToken(
  instance: IdentityCenterInstance,
  settings: IdentityCenterSettings,
  client: RegisteredClient,
  refresh: string,
): Promise<SsoToken> {
  const response = await oidcCall(instance, settings, {
    ctx: { action: 'RefreshToken' },
    run: (c, sdk, abortSignal) =>
      c.send(
        new sdk.CreateTokenCommand({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          grantType: 'refresh_token',
          refreshToken: refresh,
        }),
        { abortSignal },
      ),
  });
  const token = tokenFrom(response, settings);
  // Some answers keep the refresh token instead of rotating it.
  return { ...token, refreshToken: token.refreshToken ?? refresh };
}
