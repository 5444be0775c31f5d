// Sign-in with the authorization code and PKCE through a loopback redirect, end to end against the local
// Identity Center with the SDK's own SSO OIDC client: the product's flow, and the server's checks that make it
// safe (the verifier, the redirect URI, S256 only, loopback only), which a real client relies on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient } from '@aws-sdk/client-sso-oidc';
import { IdentityCenter } from '../../../src/core/identityCenter';
import { authorizeUrl, pkcePair } from '../../../src/core/identityCenter/authCodeFlow';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { MemorySecrets, SharedClock, authorizeInBrowser, follow, instanceOf, settingsFor } from '../../support/identityCenter';
import { rejectsWith } from '../rejectsWith';

let aws: AwsServer;
let sso: SsoServer;
let oidc: SSOOIDCClient;

before(async () => {
  aws = await startAwsServer();
  sso = await startSsoServer({ identities: aws.identities });
  oidc = new SSOOIDCClient({ region: sso.region, endpoint: sso.url, maxAttempts: 1 });
});
after(async () => {
  oidc.destroy();
  await sso.close();
  await aws.close();
});

const center = (secrets = new MemorySecrets(), clock?: SharedClock) =>
  new IdentityCenter(instanceOf(sso), secrets, settingsFor(sso, clock), { useAwsCliCache: false });

/** Registers for the grant with the SDK, as the AWS CLI does. */
async function register(redirectUris = ['http://127.0.0.1/oauth/callback']) {
  return oidc.send(
    new RegisterClientCommand({
      clientName: 'test',
      clientType: 'public',
      scopes: ['sso:account:access'],
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris,
      issuerUrl: sso.startUrl,
    }),
  );
}

/** A code the server issued for `redirectUri` (a port nobody listens on: the redirect is read, not followed). */
async function issuedCode(redirectUri = 'http://127.0.0.1:9/oauth/callback') {
  const client = await register();
  const { verifier, challenge } = pkcePair();
  const back = await authorizeInBrowser(authorizeUrl(sso.url, { clientId: client.clientId!, redirectUri, state: 's1', challenge }));
  assert.equal(back.searchParams.get('state'), 's1');
  return { client, verifier, redirectUri, code: back.searchParams.get('code')! };
}

const createToken = (c: Awaited<ReturnType<typeof issuedCode>>, overrides: { codeVerifier?: string; redirectUri?: string } = {}) =>
  oidc.send(
    new CreateTokenCommand({
      clientId: c.client.clientId,
      clientSecret: c.client.clientSecret,
      grantType: 'authorization_code',
      code: c.code,
      redirectUri: overrides.redirectUri ?? c.redirectUri,
      codeVerifier: overrides.codeVerifier ?? c.verifier,
    }),
  );

const nameOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return (error as Error).name;
  }
  return 'succeeded';
};

describe('sign-in with the authorization code and PKCE', () => {
  it('signs in through the browser and the loopback listener; the token lists accounts and refreshes', async () => {
    const clock = new SharedClock(sso);
    const secrets = new MemorySecrets();
    const ic = center(secrets, clock);
    let opened: URL | undefined;
    const state = await ic.signInWithBrowser({
      openBrowser: async (url) => {
        opened = new URL(url);
        const page = await follow(await authorizeInBrowser(url));
        assert.equal(page.status, 200);
        assert.match(page.html, /You are signed in/);
      },
    });
    assert.equal(state.signedIn, true);
    // What went to the browser: S256, a loopback redirect on the listener's port, a fresh state.
    assert.equal(opened?.pathname, '/authorize');
    assert.equal(opened?.searchParams.get('code_challenge_method'), 'S256');
    assert.match(opened?.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    assert.match(opened?.searchParams.get('state') ?? '', /^[\w-]{22}$/);
    assert.equal((await ic.discover()).accounts.length, 6);
    // Refresh tokens as with the device code: five minutes before the end a new token comes.
    const before = await ic.token();
    clock.advance(Date.parse(before.expiresAt) - clock.now() - 60_000);
    const after = await ic.token();
    assert.notEqual(after.accessToken, before.accessToken);
    assert.equal((await ic.discover()).accounts.length, 6);
  });

  it('refuses a redirect whose state this window did not send, and redeems no code', async () => {
    const tokenRequests = sso.stats().tokenRequests;
    let listenerAddress: URL | undefined;
    const signIn = center().signInWithBrowser({
      openBrowser: async (url) => {
        const back = await authorizeInBrowser(url);
        back.searchParams.set('state', 'forged');
        listenerAddress = back;
        assert.equal((await follow(back)).status, 400);
      },
    });
    await rejectsWith(signIn, 'SsoStateMismatch');
    assert.equal(sso.stats().tokenRequests, tokenRequests, 'CreateToken was never called');
    // One answer and the listener is gone.
    await assert.rejects(fetch(listenerAddress!), /fetch failed/);
  });

  it('says so when the person denies access in the browser', async () => {
    const signIn = center().signInWithBrowser({
      openBrowser: async (url) => void (await follow(await authorizeInBrowser(url, { action: 'deny' }))),
    });
    await rejectsWith(signIn, 'SsoAccessDenied', 'press Allow');
  });

  it('gives up when the browser never comes back, and stops listening', async () => {
    let redirect: string | undefined;
    const signIn = center().signInWithBrowser({
      timeoutMs: 50,
      openBrowser: (url) => void (redirect = new URL(url).searchParams.get('redirect_uri')!),
    });
    await rejectsWith(signIn, 'SsoAuthorizationTimeout');
    await assert.rejects(fetch(redirect!), /fetch failed/);
  });

  it('never writes the code or the state into its log, its errors or its pages', async () => {
    const lines: string[] = [];
    const pages: string[] = [];
    let state = '';
    await center().signInWithBrowser({
      log: (line) => lines.push(line),
      openBrowser: async (url) => {
        state = new URL(url).searchParams.get('state')!;
        const back = await authorizeInBrowser(url);
        pages.push((await follow(new URL('/favicon.ico', back))).html, (await follow(back)).html);
      },
    });
    const forged = center().signInWithBrowser({
      log: (line) => lines.push(line),
      openBrowser: async (url) => {
        const back = await authorizeInBrowser(url);
        back.searchParams.set('state', 'forged-state');
        pages.push((await follow(back)).html);
      },
    });
    const error = await rejectsWith(forged, 'SsoStateMismatch');
    assert.ok(lines.length >= 3, lines.join('\n'));
    const said = [...lines, ...pages, error.message, error.detail ?? ''].join('\n');
    const codes = sso.issuedSecrets();
    assert.ok(codes.length > 2);
    for (const secret of [...codes, state, 'forged-state']) assert.ok(!said.includes(secret), 'a code or state was echoed');
  });
});

describe('the local Identity Center checks the grant as AWS does', () => {
  it('refuses a wrong verifier (InvalidGrantException), and the code is spent after one try', async () => {
    const c = await issuedCode();
    assert.equal(await nameOf(createToken(c, { codeVerifier: pkcePair().verifier })), 'InvalidGrantException');
    assert.equal(await nameOf(createToken(c)), 'InvalidGrantException');
  });

  it('refuses a redirect URI other than the one the code was issued for', async () => {
    const c = await issuedCode('http://127.0.0.1:9/oauth/callback');
    assert.equal(await nameOf(createToken(c, { redirectUri: 'http://127.0.0.1:10/oauth/callback' })), 'InvalidGrantException');
  });

  it('issues a token for the right verifier, once', async () => {
    const c = await issuedCode();
    const token = await createToken(c);
    assert.ok(token.accessToken && token.refreshToken);
    assert.equal(await nameOf(createToken(c)), 'InvalidGrantException');
  });

  it('refuses to register a redirect URI that is not loopback (InvalidRedirectUriException)', async () => {
    assert.equal(await nameOf(register(['https://example.com/oauth/callback'])), 'InvalidRedirectUriException');
    assert.equal(await nameOf(register(['http://192.0.2.1/oauth/callback'])), 'InvalidRedirectUriException');
  });

  it('sends no browser to an address the client did not register, and requires S256', async () => {
    const client = await register();
    const { challenge } = pkcePair();
    const base = { clientId: client.clientId!, state: 's', challenge };
    const elsewhere = await fetch(authorizeUrl(sso.url, { ...base, redirectUri: 'http://evil.example:8080/oauth/callback' }), {
      redirect: 'manual',
    });
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.headers.get('location'), null);

    const plain = new URL(authorizeUrl(sso.url, { ...base, redirectUri: 'http://127.0.0.1:9/oauth/callback' }));
    plain.searchParams.set('code_challenge_method', 'plain');
    const refused = await fetch(plain, { redirect: 'manual' });
    assert.equal(refused.status, 302);
    const back = new URL(refused.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.equal(back.searchParams.get('state'), 's');
    assert.equal(back.searchParams.get('code'), null);
  });
});
