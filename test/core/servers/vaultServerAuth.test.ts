// The local Vault's OIDC, LDAP, static-role and wrapping paths, driven through node-vault, answer with real
// Vault's shapes and errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault = require('node-vault');
import { type LocalServers, startServers } from '../../servers';

let servers: LocalServers;
let root: nodeVault.client;

function client(token?: string): nodeVault.client {
  return nodeVault({ endpoint: servers.vault.url, token });
}

async function rejectsVault(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => assert.fail('expected Vault to refuse'),
    (e: nodeVault.ApiResponseError) => e,
  );
  assert.equal(err.response?.statusCode, status, err.message);
  assert.match(err.message, message);
}

/** Starts an OIDC flow and signs in on the provider page; returns what the browser brings to the redirect_uri. */
async function providerSignIn(redirectUri: string, clientNonce = ''): Promise<{ state: string; code: string }> {
  const started = await client().write('auth/oidc/oidc/auth_url', { role: 'dev', redirect_uri: redirectUri, client_nonce: clientNonce });
  const url = new URL(started.data.auth_url);
  const form = new URLSearchParams({
    state: url.searchParams.get('state') ?? '',
    redirect_uri: redirectUri,
    subject: 'sub-alice',
    action: 'signin',
  });
  const posted = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  const back = new URL(posted.headers.get('location') ?? '');
  assert.equal(`${back.origin}${back.pathname}`, redirectUri);
  return { state: back.searchParams.get('state') ?? '', code: back.searchParams.get('code') ?? '' };
}

before(async () => {
  servers = await startServers();
  root = client(servers.vault.rootToken);
});
after(() => servers.close());

describe('OIDC auth', () => {
  it('auth_url points at the provider page with state and nonce; the callback returns the auth block once', async () => {
    const { state, code } = await providerSignIn('http://localhost:8250/oidc/callback', 'nonce-1');
    const login = await client().read(`auth/oidc/oidc/callback?state=${state}&code=${code}&client_nonce=nonce-1`);
    assert.equal(login.auth.token_type, 'service');
    assert.deepEqual(login.auth.policies, ['aws-dev', 'default']);
    assert.deepEqual(login.auth.metadata, { role: 'dev' });
    const self = await client(login.auth.client_token).tokenLookupSelf();
    assert.equal(self.data.display_name, 'oidc-alice@example.com');
    assert.equal(self.data.path, 'auth/oidc/oidc/callback');
    await rejectsVault(
      client().read(`auth/oidc/oidc/callback?state=${state}&code=${code}&client_nonce=nonce-1`),
      400,
      /^Vault login failed\. Expired or missing OAuth state\.$/,
    );
  });

  it('a client_nonce that does not match the one given to auth_url is refused', async () => {
    const { state, code } = await providerSignIn('http://127.0.0.1:8250/oidc/callback', 'nonce-2');
    await rejectsVault(
      client().read(`auth/oidc/oidc/callback?state=${state}&code=${code}&client_nonce=other`),
      400,
      /^invalid client_nonce$/,
    );
  });

  it("loopback redirect URIs match on any port; other URIs, unknown roles and missing fields get the plugin's answers", async () => {
    const anyPort = await client().write('auth/oidc/oidc/auth_url', { role: 'dev', redirect_uri: 'http://localhost:49152/oidc/callback' });
    assert.match(anyPort.data.auth_url, /\/oidc-provider\/oidc\/authorize\?/);
    const otherPath = await client().write('auth/oidc/oidc/auth_url', { role: 'dev', redirect_uri: 'http://localhost:8250/elsewhere' });
    assert.equal(otherPath.data.auth_url, '');
    await rejectsVault(
      client().write('auth/oidc/oidc/auth_url', { role: 'nope', redirect_uri: 'http://localhost:8250/oidc/callback' }),
      400,
      /^role "nope" could not be found$/,
    );
    await rejectsVault(client().write('auth/oidc/oidc/auth_url', { role: 'dev' }), 400, /^missing redirect_uri$/);
  });

  it('a callback without a code (the provider said access_denied) is refused', async () => {
    const started = await client().write('auth/oidc/oidc/auth_url', { role: 'dev', redirect_uri: 'http://localhost:8250/oidc/callback' });
    const state = new URL(started.data.auth_url).searchParams.get('state');
    await rejectsVault(
      client().read(`auth/oidc/oidc/callback?state=${state}`),
      400,
      /^Vault login failed\. No code or id_token received\.$/,
    );
  });
});

describe('LDAP auth', () => {
  it("node-vault's ldapLogin signs in; a wrong password is the bind failure", async () => {
    const vault = client();
    const login = await vault.ldapLogin({ username: 'carol', password: 'carol-ldap-password' });
    assert.equal(vault.token, login.auth.client_token);
    assert.equal((await vault.tokenLookupSelf()).data.display_name, 'ldap-carol');
    await rejectsVault(client().ldapLogin({ username: 'carol', password: 'nope' }), 400, /^ldap operation failed: failed to bind as user$/);
  });
});

describe('AWS static roles', () => {
  it('LIST and READ static-roles; missing roles and creds are 404 with no errors', async () => {
    assert.deepEqual((await root.list('aws/static-roles')).data.keys, ['ci-deployer']);
    assert.deepEqual((await root.read('aws/static-roles/ci-deployer')).data, {
      name: 'ci-deployer',
      username: 'ci-deployer',
      rotation_period: 3600,
    });
    await rejectsVault(root.read('aws/static-roles/nope'), 404, /^Status 404$/);
    await rejectsVault(root.read('aws/static-creds/nope'), 404, /^Status 404$/);
  });

  it('static-creds carry no lease; adopting a user IAM does not know is refused', async () => {
    const creds = await root.read('aws/static-creds/ci-deployer');
    assert.equal(creds.lease_id, '');
    assert.deepEqual(Object.keys(creds.data).sort(), ['access_key', 'expiration', 'secret_key']);
    await rejectsVault(
      root.write('aws/static-roles/ghost', { username: 'ghost', rotation_period: '1h' }),
      500,
      /unable to validate username "ghost"/,
    );
  });
});

describe('session_token roles and response wrapping', () => {
  it('mfa_serial_number is only accepted on session_token roles', async () => {
    await rejectsVault(
      root.write('aws/roles/bad', {
        credential_type: 'assumed_role',
        role_arns: ['arn:aws:iam::222222222222:role/vault/VaultS3'],
        mfa_serial_number: 'arn:aws:iam::111111111111:mfa/vault-root',
      }),
      400,
      /mfa_serial_number parameter only valid for session_token credential type/,
    );
  });

  it('X-Vault-Wrap-TTL returns only wrap_info; sys/wrapping/unwrap gives the response once', async () => {
    const wrapped = await root.read('aws/sts/dev-s3', { headers: { 'X-Vault-Wrap-TTL': '5m' } });
    assert.equal(wrapped.data, null);
    assert.equal(wrapped.wrap_info.ttl, 300);
    assert.equal(wrapped.wrap_info.creation_path, 'aws/sts/dev-s3');
    const unwrapped = await client(wrapped.wrap_info.token).write('sys/wrapping/unwrap', {});
    assert.match(unwrapped.data.access_key, /^ASIA/);
    await rejectsVault(
      client(wrapped.wrap_info.token).write('sys/wrapping/unwrap', {}),
      400,
      /wrapping token is not valid or does not exist/,
    );
  });
});
