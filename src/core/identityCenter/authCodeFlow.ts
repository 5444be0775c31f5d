// Sign-in by the authorization-code grant with PKCE (RFC 7636) through a loopback redirect, as the AWS CLI does it
// by default since 2.22 (awscli botocore/utils.py SSOTokenFetcherAuth): a client registered for the grant (reused
// until it expires), the browser sent to /authorize with an S256 code challenge and a random state, a listener on
// 127.0.0.1 catching the redirect (loopback.ts), then CreateToken with the code, the same redirect URI and the
// verifier, through the SDK's own SSO OIDC client. For a browser on this machine only: the redirect goes to it.
import { createHash, randomBytes } from 'node:crypto';
import { oidcBaseUrl, oidcCall, serviceErrorOf } from './clients';
import { type IdentityCenterInstance, type IdentityCenterSettings, type SecretStore, secretKey } from './instance';
import { listenForRedirect } from './loopback';
import { type SsoToken, registeredClient, saveToken, tokenFrom } from './tokens';

export interface BrowserSignInOptions {
  /** Opens the authorization page in the browser on this machine (the edge: vscode.env.openExternal). */
  openBrowser: (url: string) => void | Promise<void>;
  clientName?: string;
  /** How long to wait for the browser to come back; default 10 minutes, as the CLI. */
  timeoutMs?: number;
  /** Diagnostics of the listener (never a code or a state). */
  log?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/** A PKCE pair: 32 random bytes as the verifier (43 characters), its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

/** The /authorize address, with the parameters the CLI sends (it names the scope parameter `scopes`). */
export function authorizeUrl(base: string, params: { clientId: string; redirectUri: string; state: string; challenge: string }): string {
  const url = new URL(`${base}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    state: params.state,
    code_challenge_method: 'S256',
    scopes: 'sso:account:access',
    code_challenge: params.challenge,
  }).toString();
  return url.toString();
}

/** Signs in through the browser and stores the token; returns it (the caller keeps it in memory only). */
export async function signInWithBrowser(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
  options: BrowserSignInOptions,
): Promise<SsoToken> {
  const client = await registeredClient(instance, store, settings, options.clientName ?? 'iam-switchboard', 'authorizationCode');
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  const listener = await listenForRedirect(state, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal: settings.signal,
    log: options.log,
  });
  try {
    const url = authorizeUrl(await oidcBaseUrl(instance, settings), {
      clientId: client.clientId,
      redirectUri: listener.redirectUri,
      state,
      challenge,
    });
    await options.openBrowser(url);
    const code = await listener.code;
    const response = await oidcCall(instance, settings, {
      ctx: { action: 'CreateToken' },
      run: (c, sdk, abortSignal) =>
        c.send(
          new sdk.CreateTokenCommand({
            clientId: client.clientId,
            clientSecret: client.clientSecret,
            grantType: 'authorization_code',
            code,
            redirectUri: listener.redirectUri,
            codeVerifier: verifier,
          }),
          { abortSignal },
        ),
    });
    const token = tokenFrom(response, settings);
    await saveToken(instance, store, token);
    return token;
  } catch (error) {
    // A registration the service no longer knows is dropped, so the next sign-in registers again.
    if (serviceErrorOf(error) === 'InvalidClientException') await store.delete(secretKey(instance, 'client'));
    throw error;
  } finally {
    listener.close();
  }
}
