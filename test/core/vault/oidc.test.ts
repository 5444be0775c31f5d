// OIDC sign-in against the local Vault and the identity provider page it serves, with a scripted "browser"
// that follows the same redirects a real one would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { UserError } from '../../../src/core/userError';
import { VaultClient } from '../../../src/core/vault/client';
import { type OidcSignInOptions, signInWithOidc } from '../../../src/core/vault/oidc';
import { type LocalServers, startServers } from '../../servers';

interface BrowserVisit {
  /** Status and text of the page the loopback listener answered with. */
  status: number;
  page: string;
}

/** Follows a 302 to the listener; a `/proxy/<port>/` prefix is stripped the way code-server's proxy does. */
async function followRedirect(location: string, listenPort: number): Promise<BrowserVisit> {
  const target = new URL(location);
  const proxied = /^\/proxy\/\d+(\/.*)$/.exec(target.pathname);
  const url = proxied ? `http://127.0.0.1:${listenPort}${proxied[1]}${target.search}` : target.toString();
  const response = await fetch(url);
  return { status: response.status, page: await response.text() };
}

/** What a person does on the provider page: pick a user and press "Sign in", or press "Cancel". */
async function usePage(authUrl: string, listenPort: number, action: { subject: string } | 'cancel'): Promise<BrowserVisit> {
  const page = await (await fetch(authUrl)).text();
  assert.match(page, /<button[^>]*>Sign in<\/button>/);
  const url = new URL(authUrl);
  const form = new URLSearchParams({
    state: url.searchParams.get('state') ?? '',
    redirect_uri: url.searchParams.get('redirect_uri') ?? '',
    ...(action === 'cancel' ? { action: 'cancel' } : { action: 'signin', subject: action.subject }),
  });
  const posted = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(posted.status, 302);
  return followRedirect(posted.headers.get('location') ?? '', listenPort);
}

async function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function userError(promise: Promise<unknown>, code: string): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

describe('OIDC sign-in', () => {
  let servers: LocalServers;
  let client: VaultClient;

  before(async () => {
    servers = await startServers();
    client = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
  });
  after(() => servers.close());

  /** Runs a sign-in on an ephemeral port; `browser` plays the person once the URL is opened. */
  function signIn(browser: (authUrl: string, port: number) => Promise<BrowserVisit | void>, extra: Partial<OidcSignInOptions> = {}) {
    let port = 0;
    let visit: Promise<BrowserVisit | void> = Promise.resolve();
    const result = signInWithOidc(client, {
      role: 'dev',
      port: 0,
      ...extra,
      redirectUri: (local) => {
        port = local.port;
        return extra.redirectUri ? extra.redirectUri(local) : local.uri;
      },
      openUrl: (url) => {
        visit = browser(url, port);
        // A failing browser script shows in its own assertions; the sign-in must not hang on it.
        visit.catch(() => undefined);
      },
    });
    return { result, visit: () => visit, port: () => port };
  }

  test('signing in on the provider page gives a token for the role and tells the browser it can close the tab', async () => {
    const flow = signIn((url, port) => usePage(url, port, { subject: 'sub-alice' }));
    const { token, info } = await flow.result;
    assert.equal(info.displayName, 'oidc-alice@example.com');
    assert.ok(info.policies.includes('aws-dev'));
    const visit = (await flow.visit()) as BrowserVisit;
    assert.equal(visit.status, 200);
    assert.match(visit.page, /Signed in to Vault: you can close this tab/);
    assert.doesNotMatch(visit.page, new RegExp(token.replace(/\./g, '\\.')));
    client.setToken(token);
    assert.equal((await client.lookupSelf()).displayName, 'oidc-alice@example.com');
    client.setToken(undefined);
    assert.ok(await refusesConnections(flow.port()), 'the loopback listener is closed');
  });

  test('an answer whose state is not the one Vault issued is rejected, and the listener closes', async () => {
    const flow = signIn(async (_url, port) => {
      const response = await fetch(`http://127.0.0.1:${port}/oidc/callback?state=forged&code=stolen`);
      return { status: response.status, page: await response.text() };
    });
    await userError(flow.result, 'VaultOidcStateMismatch');
    const visit = (await flow.visit()) as BrowserVisit;
    assert.equal(visit.status, 400);
    assert.match(visit.page, /does not belong to the sign-in in progress/);
    assert.ok(await refusesConnections(flow.port()));
  });

  test('a provider error (access_denied) is reported as the provider refusing, and the browser is told', async () => {
    const flow = signIn((url, port) => usePage(url, port, 'cancel'));
    const error = await userError(flow.result, 'VaultOidcProviderError');
    assert.match(error.message, /access_denied$/);
    assert.doesNotMatch(error.message, /cancelled the sign-in/, "the provider's free text is not repeated");
    assert.match(((await flow.visit()) as BrowserVisit).page, /did not sign you in \(access_denied\)/);
    assert.ok(await refusesConnections(flow.port()));
  });

  test('a browser that never comes back times out and the listener closes', async () => {
    const flow = signIn(async () => undefined, { timeoutMs: 300 });
    const error = await userError(flow.result, 'VaultOidcTimeout');
    assert.match(error.message, /did not finish within 0.3 s; sign in again/);
    assert.ok(await refusesConnections(flow.port()));
  });

  test('cancelling while waiting for the browser ends the sign-in and closes the listener', async () => {
    const controller = new AbortController();
    const flow = signIn(async () => void setImmediate(() => controller.abort()), { signal: controller.signal });
    await userError(flow.result, 'Cancelled');
    assert.ok(await refusesConnections(flow.port()));
  });

  test("the redirect URI advertised can differ from the listen address (a remote window's forwarded URI)", async () => {
    // What asExternalUri gives in code-server: the editor's own host, with the port in a proxy path.
    const flow = signIn((url, port) => usePage(url, port, { subject: 'sub-dana' }), {
      redirectUri: () => 'http://localhost:8080/proxy/8250/oidc/callback',
    });
    const { info } = await flow.result;
    assert.equal(info.displayName, 'oidc-dana@example.com');
    assert.match(((await flow.visit()) as BrowserVisit).page, /you can close this tab/);
  });

  test("the demo's own address, http://127.0.0.1:<port>/ (what `npm run demo` prints), is allowed as well as localhost", async () => {
    // code-server's asExternalUri keeps the host the page was opened at; Vault matches loopback hosts by name.
    const flow = signIn((url, port) => usePage(url, port, { subject: 'sub-dana' }), {
      redirectUri: () => 'http://127.0.0.1:18080/proxy/8250/oidc/callback',
    });
    const { info } = await flow.result;
    assert.equal(info.displayName, 'oidc-dana@example.com');
  });

  test('a redirect URI the role does not allow is named, with what to ask the Vault admin', async () => {
    const flow = signIn(async () => assert.fail('the browser must not open'), {
      redirectUri: () => 'http://192.0.2.10:8250/oidc/callback',
    });
    const error = await userError(flow.result, 'VaultOidcRedirectNotAllowed');
    assert.match(
      error.message,
      /role "dev" at auth\/oidc does not allow the redirect URI http:\/\/192\.0\.2\.10:8250\/oidc\/callback; ask your Vault admin/,
    );
  });

  test('an unknown role and an unknown mount each say which setting to fix', async () => {
    await userError(signIn(async () => undefined, { role: 'nope' }).result, 'VaultOidcRoleNotFound');
    await userError(signIn(async () => undefined, { mount: 'okta' }).result, 'VaultAuthMountNotFound');
  });

  test('a callback port already in use says so', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const error = await userError(
        signInWithOidc(client, { role: 'dev', port, openUrl: () => assert.fail('no browser') }),
        'VaultOidcPortInUse',
      );
      assert.match(error.message, new RegExp(`Port ${port} for the Vault sign-in callback is in use`));
    } finally {
      blocker.close();
    }
  });
});
