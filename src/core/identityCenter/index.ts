// One IAM Identity Center instance as the edge uses it: sign in (the browser's authorization code with PKCE, or the
// device code), a valid token (ours, refreshed,
// else the AWS CLI's, read only), discovery, role credentials, sign out. Tokens stay in the SecretStore and in
// memory; what this returns for globalState (a Directory) holds names only. The sign-in flows and discovery are
// imported when first used: the extension's activation, which makes this class, does not load them.
import type { Identity } from '../session';
import { UserError } from '../userError';
import { cliCacheFile, readCliToken } from './cliCache';
import type { BrowserSignInOptions } from './authCodeFlow';
import { portalCall, serviceErrorOf } from './clients';
import { type RoleCredentialsRequest, roleCredentials } from './credentials';
import type { SignInOptions } from './deviceFlow';
import { type Directory, toCached } from './directory';
import type { DiscoveryOptions } from './discovery';
import type { IdentityCenterInstance, IdentityCenterSettings, SecretStore } from './instance';
import { REFRESH_WINDOW_MS, type SsoToken, forget, forgetToken, readToken, validToken } from './tokens';

export type { IdentityCenterInstance, IdentityCenterSettings, SecretStore } from './instance';
export type { DeviceCode, SignInOptions } from './deviceFlow';
export type { BrowserSignInOptions } from './authCodeFlow';
export { type SignInFlow, type SignInSetting, chooseSignInFlow, parseSignInSetting } from './signInFlow';
export type { Directory, DirectoryAccount, DirectoryCatalog } from './directory';
export { directoryCatalog, filterAccounts, parseDirectory, toCached } from './directory';
export type { DiscoveryOptions } from './discovery';
export type { RoleCredentialsRequest } from './credentials';
export type { SsoToken } from './tokens';
export { cliCacheFile, readCliToken };

/** The instance a profile's or a discovered role's sso ref names (RoleEntry.sso, AwsProfile.sso once resolved). */
export function instanceOf(ref: { startUrl: string; region: string; session?: string }): IdentityCenterInstance {
  return { startUrl: ref.startUrl, region: ref.region, sessionName: ref.session };
}

interface IdentityCenterOptions {
  /** Use a valid token that `aws sso login` left in ~/.aws/sso/cache (read only). Default true. */
  useAwsCliCache?: boolean;
  /** Home directory for the CLI cache (tests). */
  home?: string;
}

export interface SignInState {
  signedIn: boolean;
  /** When the token ends (it is refreshed before that while the refresh token lasts). */
  expiresAt?: Date;
  /** When token() will refresh it (five minutes before the end): when the edge's timer should call token(). */
  refreshAt?: Date;
  source?: SsoToken['source'];
}

function stateOf(token: SsoToken): SignInState {
  const expiresAt = new Date(token.expiresAt);
  const refreshAt = token.refreshToken ? new Date(expiresAt.getTime() - REFRESH_WINDOW_MS) : undefined;
  return { signedIn: true, expiresAt, refreshAt, source: token.source };
}

type CallOptions = { signal?: AbortSignal };

export class IdentityCenter {
  constructor(
    readonly instance: IdentityCenterInstance,
    private readonly secrets: SecretStore,
    private readonly settings: IdentityCenterSettings,
    private readonly options: IdentityCenterOptions = {},
  ) {}

  private with(call: CallOptions | undefined): IdentityCenterSettings {
    return call?.signal ? { ...this.settings, signal: call.signal } : this.settings;
  }

  /** The device flow; the token is stored and the caller learns only when it ends. */
  async signIn(options: SignInOptions & CallOptions): Promise<SignInState> {
    const { signIn } = await import('./deviceFlow');
    return stateOf(await signIn(this.instance, this.secrets, this.with(options), options));
  }

  /** The authorization code with PKCE through a loopback redirect: for a browser on this machine. */
  async signInWithBrowser(options: BrowserSignInOptions & CallOptions): Promise<SignInState> {
    const { signInWithBrowser } = await import('./authCodeFlow');
    return stateOf(await signInWithBrowser(this.instance, this.secrets, this.with(options), options));
  }

  /** Whether a token is at hand, without calling the service. */
  async state(): Promise<SignInState> {
    const token = (await readToken(this.instance, this.secrets)) ?? (await this.cliToken());
    if (!token || Date.parse(token.expiresAt) <= (this.settings.now ?? Date.now)()) return { signedIn: false };
    return stateOf(token);
  }

  /**
   * A token that works now: ours (refreshed when due), else the CLI's. Throws SsoSignInRequired or
   * SsoTokenExpired (the edge offers Sign in).
   */
  async token(call?: CallOptions): Promise<SsoToken> {
    try {
      return await validToken(this.instance, this.secrets, this.with(call));
    } catch (error) {
      if (!(error instanceof UserError) || !['SsoSignInRequired', 'SsoTokenExpired'].includes(error.code ?? '')) throw error;
      const cli = await this.cliToken();
      if (cli) return cli;
      throw error;
    }
  }

  /** Every account and permission set, names only (ready for globalState). */
  async discover(options: DiscoveryOptions & CallOptions = {}): Promise<Directory> {
    const { discover } = await import('./discovery');
    const directory = await this.withToken(options, (token, settings) => discover(this.instance, token.accessToken, settings, options));
    return toCached(directory);
  }

  async credentials(request: RoleCredentialsRequest & CallOptions): Promise<Identity> {
    return this.withToken(request, (token, settings) => roleCredentials(this.instance, token.accessToken, settings, request));
  }

  /** Ends the sign-in at the portal (when it is ours) and forgets the token and the client registration. */
  async signOut(call?: CallOptions): Promise<void> {
    const token = await readToken(this.instance, this.secrets);
    try {
      if (token) {
        await portalCall(this.instance, this.with(call), {
          ctx: { action: 'Logout' },
          run: (c, sdk, abortSignal) => c.send(new sdk.LogoutCommand({ accessToken: token.accessToken }), { abortSignal }),
        });
      }
    } catch (error) {
      // An already ended session is signed out; anything else is reported after forgetting locally.
      if (serviceErrorOf(error) !== 'UnauthorizedException') {
        await forget(this.instance, this.secrets);
        throw error;
      }
    }
    await forget(this.instance, this.secrets);
  }

  private cliToken(): Promise<SsoToken | undefined> {
    return this.options.useAwsCliCache === false
      ? Promise.resolve(undefined)
      : readCliToken(this.instance, this.settings, this.options.home);
  }

  /** Runs a portal call with a valid token; a token the portal refuses is forgotten, so the state says signed out. */
  private async withToken<T>(call: CallOptions, run: (token: SsoToken, settings: IdentityCenterSettings) => Promise<T>): Promise<T> {
    const settings = this.with(call);
    const token = await this.token(call);
    try {
      return await run(token, settings);
    } catch (error) {
      if (serviceErrorOf(error) === 'UnauthorizedException' && token.source === 'signIn') {
        await forgetToken(this.instance, this.secrets, token);
      }
      throw error;
    }
  }
}
