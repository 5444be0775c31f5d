// OIDC sign-in the way `vault login -method=oidc` does it: listen on a loopback port, ask Vault for the
// provider's URL with that redirect_uri, let the person sign in in their browser, take code + state on the
// callback, and trade them (with our client nonce) for a Vault token. The listener only ever lives for one
// sign-in and is closed on every way out.
import { randomBytes } from 'node:crypto';
import { adoptLogin, DEFAULT_OIDC_PORT, mountMissing, type SignInResult } from './auth';
import type { VaultClient } from './client';
import { type CallbackRequest, listenForCallback } from '../loopbackCallback';
import { cancelled, UserError } from '../userError';

export interface OidcSignInOptions {
  /** Auth mount (default `oidc`). */
  mount?: string;
  /** Vault OIDC role; unset or '' lets Vault use the mount's default_role. */
  role?: string;
  /** Loopback port to listen on (default 8250; 0 picks a free one). Always bound to 127.0.0.1 and ::1 only. */
  port?: number;
  /** Path the browser comes back to (default `/oidc/callback`); a proxy may put a prefix in front of it. */
  callbackPath?: string;
  /**
   * The redirect_uri Vault and the provider send the browser to. Default `http://localhost:<port><path>`. In a
   * remote window the edge passes the `asExternalUri` mapping of that local URI, so it is asked only once the
   * listener runs and its port is known.
   */
  redirectUri?: (local: { port: number; uri: string }) => string | Promise<string>;
  /** Opens the provider's page in the person's browser (the edge's `openExternal`); false if it could not. */
  openUrl: (url: string) => Promise<boolean | void> | boolean | void;
  signal?: AbortSignal;
  /** How long to wait for the browser to come back (default 5 minutes; Vault forgets the state after 10). */
  timeoutMs?: number;
}

const DEFAULT_CALLBACK_PATH = '/oidc/callback';
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export async function signInWithOidc(client: VaultClient, options: OidcSignInOptions): Promise<SignInResult> {
  const mount = (options.mount ?? 'oidc').replace(/^\/+|\/+$/g, '');
  const callbackPath = options.callbackPath ?? DEFAULT_CALLBACK_PATH;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  throwIfAborted(options.signal);
  const listener = await listen(options.port ?? DEFAULT_OIDC_PORT, callbackPath);
  try {
    const local = { port: listener.port, uri: `http://localhost:${listener.port}${callbackPath}` };
    const redirectUri = options.redirectUri ? await options.redirectUri(local) : local.uri;
    const clientNonce = randomBytes(20).toString('base64url');
    const role = options.role ?? '';
    const authUrl = await requestAuthUrl(client, { mount, role, redirectUri, clientNonce, signal: options.signal });
    const expectedState = new URL(authUrl).searchParams.get('state');
    if (!expectedState) {
      throw new UserError(
        `Vault's OIDC sign-in URL carries no state, so its answer could not be checked; ask your Vault admin to check the OIDC configuration of auth/${mount}.`,
        'VaultOidcNoState',
      );
    }
    if ((await options.openUrl(authUrl)) === false) {
      throw new UserError(
        'Could not open your browser for the Vault sign-in; sign in with a token instead, or try again.',
        'VaultOidcBrowser',
      );
    }
    const reply = await listener.callback({
      timeoutMs,
      signal: options.signal,
      timeoutError: () =>
        new UserError(
          `The Vault sign-in in the browser did not finish within ${Number((timeoutMs / 1000).toFixed(1))} s; sign in again.`,
          'VaultOidcTimeout',
        ),
    });
    return await finishSignIn(client, reply, { mount, expectedState, clientNonce, signal: options.signal });
  } finally {
    await listener.close();
  }
}

async function requestAuthUrl(
  client: VaultClient,
  input: { mount: string; role: string; redirectUri: string; clientNonce: string; signal?: AbortSignal },
): Promise<string> {
  const path = `auth/${input.mount}/oidc/auth_url`;
  let body: Record<string, unknown>;
  try {
    body = await client.request('update', path, {
      data: { role: input.role, redirect_uri: input.redirectUri, client_nonce: input.clientNonce },
      signal: input.signal,
      token: '',
    });
  } catch (error) {
    throw explainAuthUrlFailure(error, input.mount, input.role);
  }
  const authUrl =
    typeof (body.data as { auth_url?: unknown } | null)?.auth_url === 'string' ? String((body.data as { auth_url: string }).auth_url) : '';
  // Vault answers an empty auth_url, not an error, when the role does not allow this redirect_uri.
  if (!authUrl) {
    throw new UserError(
      `Vault's OIDC role ${input.role ? `"${input.role}"` : '(the default role)'} at auth/${input.mount} does not allow the redirect URI ${input.redirectUri}; ask your Vault admin to add it to the role's allowed_redirect_uris, or set another redirectPort.`,
      'VaultOidcRedirectNotAllowed',
    );
  }
  if (!/^https?:\/\//i.test(authUrl)) {
    throw new UserError(
      `Vault's OIDC sign-in URL is not a web address; ask your Vault admin to check the OIDC configuration of auth/${input.mount}.`,
      'VaultOidcBadUrl',
    );
  }
  return authUrl;
}

function explainAuthUrlFailure(error: unknown, mount: string, role: string): unknown {
  if (!(error instanceof UserError) || error.code !== 'VaultRequestFailed') {
    return mountMissing(error, 'OIDC', mount);
  }
  const said = error.detail ?? '';
  if (said.includes('could not be found') || said.includes('missing role')) {
    return new UserError(
      `Vault has no OIDC role ${role ? `"${role}"` : '(and no default role)'} at auth/${mount}; set the role in this server's auth setting.`,
      'VaultOidcRoleNotFound',
      error.detail,
    );
  }
  return new UserError(
    `Vault refused to start an OIDC sign-in at auth/${mount}; check the mount and role in this server's auth setting (Vault's answer is in the log).`,
    'VaultOidcFailed',
    error.detail,
  );
}

/** The browser's page when the sign-in did not complete. */
const failed = (text: string) => ({ status: 400, title: 'Vault sign-in failed', text });

async function finishSignIn(
  client: VaultClient,
  reply: CallbackRequest,
  input: { mount: string; expectedState: string; clientNonce: string; signal?: AbortSignal },
): Promise<SignInResult> {
  const { query } = reply;
  // The state proves the browser comes back from the sign-in we started, not from a page that sent it here.
  if (query.get('state') !== input.expectedState) {
    await reply.answer(failed('This answer does not belong to the sign-in in progress. Start the sign-in again from VS Code.'));
    throw new UserError(
      'The browser came back with an answer that does not belong to this Vault sign-in (its state did not match), so it was ignored; sign in again.',
      'VaultOidcStateMismatch',
    );
  }
  const providerError = query.get('error');
  if (providerError !== null) {
    // Only OAuth's error code is repeated, never the free-text description.
    const code = /^[\w.-]{1,64}$/.test(providerError) ? providerError : 'unknown error';
    await reply.answer(failed(`Your identity provider did not sign you in (${code}). You can close this tab.`));
    throw new UserError(
      `Your identity provider did not sign you in to Vault; sign in again, or ask your admin whether you may use this Vault role: ${code}`,
      'VaultOidcProviderError',
    );
  }
  const code = query.get('code') ?? '';
  if (!code) {
    await reply.answer(failed('The identity provider sent no authorization code. Start the sign-in again from VS Code.'));
    throw new UserError('Your identity provider sent no authorization code back; sign in to Vault again.', 'VaultOidcNoCode');
  }
  try {
    const body = await client.request('read', `auth/${input.mount}/oidc/callback`, {
      query: { state: input.expectedState, code, client_nonce: input.clientNonce },
      signal: input.signal,
      token: '',
    });
    const result = await adoptLogin(client, body, input.signal);
    await reply.answer({ status: 200, title: 'Signed in to Vault', text: 'Signed in to Vault: you can close this tab.' });
    return result;
  } catch (error) {
    await reply.answer(failed('Vault did not accept the sign-in. Return to VS Code for details.'));
    throw explainCallbackFailure(error, input.mount);
  }
}

function explainCallbackFailure(error: unknown, mount: string): unknown {
  if (!(error instanceof UserError) || error.code !== 'VaultRequestFailed') {
    return error;
  }
  const said = error.detail ?? '';
  if (said.includes('Expired or missing OAuth state')) {
    return new UserError(
      'Vault no longer knew this OIDC sign-in (it took too long or was already used); sign in again.',
      'VaultOidcExpired',
      error.detail,
    );
  }
  return new UserError(
    `Vault did not accept the sign-in from your identity provider at auth/${mount}; sign in again, or ask your Vault admin to check the role's claims.`,
    'VaultOidcRejected',
    error.detail,
  );
}

/** The callback listener on 127.0.0.1 and ::1 (see ../loopbackCallback.ts), with what to do when the port is taken. */
async function listen(port: number, callbackPath: string) {
  return listenForCallback({ path: callbackPath, allowPrefix: true, port, ipv6: true, purpose: 'the Vault sign-in' }).catch(
    (error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE'
        ? new UserError(
            `Port ${port} for the Vault sign-in callback is in use (another sign-in or "vault login" may be waiting); finish or close it, or set another redirectPort for this server.`,
            'VaultOidcPortInUse',
          )
        : new UserError(
            `Could not listen on 127.0.0.1:${port} for the Vault sign-in callback; set another redirectPort for this server: ${error.code ?? 'error'}`,
            'VaultOidcListen',
          );
    },
  );
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw cancelled();
  }
}
