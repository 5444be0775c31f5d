// LDAP sign-in, the server's auth setting, and response wrapping refused instead of read as "no keys".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/core/userError';
import { VaultClient } from '../../../src/core/vault/client';
import { loginWithPassword, resolveAuth } from '../../../src/core/vault/auth';
import { type LocalServers, startServers } from '../../servers';

describe('LDAP sign-in and wrapped answers', () => {
  let servers: LocalServers;
  let client: VaultClient;

  before(async () => {
    servers = await startServers();
    client = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
  });
  after(() => servers.close());

  test("LDAP sign-in gives a token with the policies of the user's directory groups", async () => {
    const { token, info } = await loginWithPassword(client, 'ldap', 'carol', 'carol-ldap-password');
    assert.equal(info.displayName, 'ldap-carol');
    assert.deepEqual(info.policies, ['aws-dev', 'default']);
    client.setToken(token);
    assert.deepEqual(await client.listRoles('aws'), { kind: 'roles', roles: ['dev-s3', 'federated', 's3-full', 'session-mfa'] });
    client.setToken(undefined);
  });

  test('a wrong LDAP password says the username or password was rejected', async () => {
    await assert.rejects(
      loginWithPassword(client, 'ldap', 'carol', 'wrong'),
      (error: unknown) => error instanceof UserError && error.code === 'VaultLoginFailed',
    );
    await assert.rejects(
      loginWithPassword(client, 'ldap', 'nobody', 'x'),
      (error: unknown) => error instanceof UserError && error.code === 'VaultLoginFailed',
    );
  });

  test('an LDAP mount that does not exist is named, not reported as "not signed in"', async () => {
    await assert.rejects(
      loginWithPassword(client, 'ldap', 'carol', 'carol-ldap-password', { mount: 'corp-ldap' }),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'VaultAuthMountNotFound' &&
        /no LDAP auth method at auth\/corp-ldap;/.test(error.message),
    );
  });

  test("the auth setting defaults: mount is the method name, OIDC on port 8250 with Vault's default role", () => {
    assert.deepEqual(resolveAuth({}), { method: 'token', mount: 'token', role: '', redirectPort: 8250 });
    assert.deepEqual(resolveAuth({ auth: { method: 'oidc' } }), { method: 'oidc', mount: 'oidc', role: '', redirectPort: 8250 });
    assert.deepEqual(resolveAuth({ auth: { method: 'ldap', mount: '/corp/' } }), {
      method: 'ldap',
      mount: 'corp',
      role: '',
      redirectPort: 8250,
    });
    assert.deepEqual(resolveAuth({ auth: { method: 'oidc', role: 'ops', redirectPort: 8400 } }).redirectPort, 8400);
  });

  test('a response-wrapped answer is refused with what to change, not read as missing keys', async () => {
    const { token } = await loginWithPassword(client, 'userpass', 'alice', 'alice-password');
    client.setToken(token);
    servers.vault.forceWrapping(300);
    try {
      await assert.rejects(client.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role' }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(error.code, 'VaultResponseWrapped');
        assert.match(
          error.message,
          /answered aws\/sts\/dev-s3 with a response-wrapped token instead of the secret; turn off response wrapping/,
        );
        return true;
      });
    } finally {
      servers.vault.forceWrapping(undefined);
    }
    assert.ok((await client.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role' })).credentials.sessionToken);
  });
});
