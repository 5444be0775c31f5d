// The local Vault as Vault's source has it, through node-vault (a real Vault client) and the product's client:
// static roles rotate on the one-minute periodic tick and keep the previous key alive until the next rotation
// (builtin/logical/aws rotation.go, path_static_roles.go, path_static_creds.go), their parameters are checked
// as pathStaticRolesWrite does, the root token's lookup-self has no lease fields (vault/token_store.go), and an
// empty LDAP password gets the LDAP backend's own refusal (builtin/credential/ldap/backend.go).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import nodeVault = require('node-vault');
import { loginWithPassword } from '../../../src/core/vault/auth';
import { VaultClient } from '../../../src/core/vault/client';
import { type LocalServers, startServers } from '../../servers';

let servers: LocalServers;
let root: nodeVault.client;

before(async () => {
  servers = await startServers();
  root = nodeVault({ endpoint: servers.vault.url, token: servers.vault.rootToken });
});
after(() => servers.close());

async function refusal(promise: Promise<unknown>): Promise<{ status?: number; errors: unknown }> {
  const error = await promise.then(
    () => assert.fail('expected Vault to refuse'),
    (e: nodeVault.ApiResponseError) => e,
  );
  return { status: error.response?.statusCode, errors: (error.response?.body as { errors?: unknown } | undefined)?.errors };
}

async function callerOf(keys: { access_key: string; secret_key: string }): Promise<string> {
  const sts = new STSClient({
    endpoint: servers.aws.url,
    region: 'us-east-1',
    credentials: { accessKeyId: keys.access_key, secretAccessKey: keys.secret_key },
    maxAttempts: 1,
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (error) {
    return (error as Error).name;
  } finally {
    sts.destroy();
  }
}

type Creds = { access_key: string; secret_key: string; expiration: string };
const creds = async (role: string): Promise<Creds> => (await root.read(`aws/static-creds/${role}`)).data as Creds;

describe('static roles: parameters', () => {
  it('a missing username is 400 `missing "username" parameter`; a missing period on create likewise', async () => {
    assert.deepEqual(await refusal(root.write('aws/static-roles/nameless', { rotation_period: 3600 })), {
      status: 400,
      errors: ['missing "username" parameter'],
    });
    assert.deepEqual(await refusal(root.write('aws/static-roles/periodless', { username: 'ci-deployer' })), {
      status: 400,
      errors: ['missing "rotation_period" parameter'],
    });
  });

  it('a rotation period under one minute is refused', async () => {
    const refused = await refusal(root.write('aws/static-roles/ci-deployer', { username: 'ci-deployer', rotation_period: 30 }));
    assert.equal(refused.status, 500);
    assert.match(String(refused.errors), /role rotation period out of range: must be greater than 60\.00 seconds/);
    assert.equal((await root.read('aws/static-roles/ci-deployer')).data.rotation_period, 3600, 'the role is unchanged');
  });
});

describe('static roles: rotation on the periodic tick', () => {
  it('keys change only at a tick, up to a minute after expiration; the previous key works until the next rotation', async () => {
    const first = await creds('ci-deployer');
    const due = Date.parse(first.expiration);
    // Just past expiration on the Vault clock, but before the next tick can have passed.
    await servers.vault.advanceClock(due - servers.vault.now() + 1_000);
    const late = await creds('ci-deployer');
    assert.equal(late.access_key, first.access_key, 'Vault has not reached its tick yet');
    await servers.vault.advanceClock(60_000);
    const second = await creds('ci-deployer');
    assert.notEqual(second.access_key, first.access_key);
    assert.match(await callerOf(first), /user\/service\/ci-deployer$/, 'the previous key still works');
    assert.match(await callerOf(second), /user\/service\/ci-deployer$/);
    await servers.vault.advanceClock(3600_000 + 60_000);
    const third = await creds('ci-deployer');
    assert.notEqual(third.access_key, second.access_key);
    assert.equal(await callerOf(first), 'InvalidClientTokenId', 'the oldest of the two keys was deleted');
    assert.match(await callerOf(second), /user\/service\/ci-deployer$/);
  });

  it('a period change moves the next rotation to now + period and leaves the stored expiration stale', async () => {
    const before = await creds('ci-deployer');
    await root.write('aws/static-roles/ci-deployer', { rotation_period: 120 });
    const after = await creds('ci-deployer');
    assert.equal(after.access_key, before.access_key, 'a period change does not rotate');
    assert.equal(after.expiration, before.expiration, 'the stored expiration is not rewritten');
    // Due at now + 120 s: the tick after that rotates, while `expiration` still says about an hour.
    await servers.vault.advanceClock(120_000 + 60_000);
    const rotated = await creds('ci-deployer');
    assert.notEqual(rotated.access_key, before.access_key);
    assert.ok(Date.parse(rotated.expiration) < Date.parse(before.expiration), 'rotated long before the stale expiration');
    await root.write('aws/static-roles/ci-deployer', { rotation_period: 3600 });
  });
});

describe('tokens and LDAP', () => {
  it('the root token’s lookup-self has no issue_time or renewable, and the product copes', async () => {
    const data = (await root.tokenLookupSelf()).data as Record<string, unknown>;
    assert.deepEqual([data.issue_time, data.renewable, data.expire_time, data.ttl], [undefined, undefined, null, 0]);
    const client = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    client.setToken(servers.vault.rootToken);
    const info = await client.lookupSelf();
    assert.deepEqual([info.renewable, info.expireTime, info.policies], [false, undefined, ['root']]);
  });

  it('an empty LDAP password gets the LDAP backend’s refusal, and the product says so in one sentence', async () => {
    assert.deepEqual(await refusal(nodeVault({ endpoint: servers.vault.url }).write('auth/ldap/login/carol', { password: '' })), {
      status: 400,
      errors: ['password cannot be of zero length when passwordless binds are being denied'],
    });
    const client = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    await assert.rejects(loginWithPassword(client, 'ldap', 'carol', ''), (error: Error & { code?: string }) => {
      assert.equal(error.message, 'Vault refuses an empty LDAP password: enter the password of carol and sign in again.');
      return true;
    });
  });
});
