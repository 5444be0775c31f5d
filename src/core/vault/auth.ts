// Signing in to Vault with the methods a server's `auth` setting names: which mount and role they use, one
// username-and-password login for userpass and LDAP, and turning any login's `auth` block into a token plus who it
// is (OIDC is in oidc.ts).
import type { TokenInfo, VaultAuthSetting, VaultClient, VaultServer } from './client';
import { UserError } from '../userError';

export interface SignInResult {
  /** For the edge's SecretStorage only. */
  token: string;
  info: TokenInfo;
}

interface ResolvedAuth {
  method: VaultAuthSetting['method'];
  mount: string;
  /** OIDC role; '' lets Vault use the mount's default_role. */
  role: string;
  redirectPort: number;
}

export const DEFAULT_OIDC_PORT = 8250;

/** The server's sign-in method with Vault's defaults filled in (token when unset; mount = method name). */
export function resolveAuth(server: Pick<VaultServer, 'auth'>): ResolvedAuth {
  const auth = server.auth ?? { method: 'token' };
  const mount = (auth.mount ?? '').replace(/^\/+|\/+$/g, '');
  return {
    method: auth.method,
    mount: mount || (auth.method === 'token' ? 'token' : auth.method),
    role: auth.role ?? '',
    redirectPort: auth.redirectPort ?? DEFAULT_OIDC_PORT,
  };
}

/** `auth/<mount>/login/<username>` of the userpass or LDAP method (the mount defaults to the method's name); a wrong
 * password is VaultLoginFailed. */
export async function loginWithPassword(
  client: VaultClient,
  method: 'userpass' | 'ldap',
  username: string,
  password: string,
  options: { mount?: string; signal?: AbortSignal } = {},
): Promise<SignInResult> {
  const mount = (options.mount ?? method).replace(/^\/+|\/+$/g, '');
  const label = method === 'ldap' ? 'LDAP' : 'userpass';
  if (!password) {
    // Both backends refuse it anyway (LDAP: "password cannot be of zero length when passwordless binds are being
    // denied", builtin/credential/ldap/backend.go); saying so here gives the person the next step instead.
    throw new UserError(
      `Vault refuses an empty ${label} password: enter the password of ${username} and sign in again.`,
      'VaultEmptyPassword',
    );
  }
  const path = `auth/${mount}/login/${encodeURIComponent(username)}`;
  // No token on a login: a stale one would only be reported as a permission problem.
  const body = await client
    .request('update', path, { data: { password }, signal: options.signal, token: '', shape: 'auth' })
    .catch((error: unknown) => {
      throw mountMissing(error, label, mount);
    });
  return adoptLogin(client, body, options.signal);
}

/** Without a token Vault answers "permission denied" for an auth mount that does not exist, as for any unknown path. */
export function mountMissing(error: unknown, method: string, mount: string): unknown {
  if (error instanceof UserError && (error.code === 'VaultNotSignedIn' || error.code === 'VaultMountNotFound')) {
    return new UserError(
      `Vault has no ${method} auth method at auth/${mount}; set the mount in this server's auth setting.`,
      'VaultAuthMountNotFound',
      error.detail,
    );
  }
  return error;
}

/** The token in a login's `auth` block, checked with lookup-self so the display name is the one Vault gave it. */
export async function adoptLogin(client: VaultClient, body: Record<string, unknown>, signal?: AbortSignal): Promise<SignInResult> {
  const auth = (body.auth ?? {}) as Record<string, unknown>;
  const token = typeof auth.client_token === 'string' ? auth.client_token : '';
  if (!token) {
    throw new UserError(
      `Vault at ${client.address} signed you in but returned no token; try again or sign in with a token.`,
      'VaultNoToken',
    );
  }
  return { token, info: await client.checkToken(token, signal) };
}
