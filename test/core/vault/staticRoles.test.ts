// Static roles: the keys Vault holds for an adopted IAM user, before and after Vault rotates them on its clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/core/session';
import { UserError } from '../../../src/core/userError';
import { VaultClient } from '../../../src/core/vault/client';
import { listStaticRoles, readStaticCredentials, readStaticRole, rotationTime } from '../../../src/core/vault/staticRoles';
import { type LocalServers, startServers } from '../../servers';
import { loginWithPassword } from '../../../src/core/vault/auth';

async function callerOf(endpoint: string, credentials: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (error) {
    return (error as Error).name;
  } finally {
    sts.destroy();
  }
}

describe('Vault static roles', () => {
  let servers: LocalServers;
  let alice: VaultClient;

  before(async () => {
    servers = await startServers();
    alice = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    alice.setToken((await loginWithPassword(alice, 'userpass', 'alice', 'alice-password')).token);
  });
  after(() => servers.close());

  test('static roles are listed and read with the IAM user they adopt and their rotation period', async () => {
    assert.deepEqual(await listStaticRoles(alice, 'aws'), { kind: 'roles', roles: ['ci-deployer'] });
    assert.deepEqual(await readStaticRole(alice, 'aws', 'ci-deployer'), {
      name: 'ci-deployer',
      username: 'ci-deployer',
      rotationPeriodSeconds: 3600,
    });
  });

  test('Vault rotates at its next one-minute tick after expiration; the previous key works until the rotation after', async () => {
    const before = await readStaticCredentials(alice, 'aws', 'ci-deployer');
    assert.equal(before.credentials.sessionToken, undefined);
    assert.equal(before.credentials.expiration, undefined, 'static keys are not a lease and do not expire');
    assert.deepEqual(before.origin, {
      kind: 'vaultStatic',
      server: servers.vault.url,
      mount: 'aws',
      role: 'ci-deployer',
      rotatesAt: before.rotatesAt,
    });
    assert.ok(before.rotatesAt && before.rotatesAt.getTime() > Date.now());
    assert.equal(await callerOf(servers.aws.url, before.credentials), 'arn:aws:iam::111111111111:user/service/ci-deployer');

    const again = await readStaticCredentials(alice, 'aws', 'ci-deployer');
    assert.equal(again.credentials.accessKeyId, before.credentials.accessKeyId, 'the same keys until the rotation');

    // Past `expiration`, but before Vault's periodic tick: still the same keys (real Vault is up to ~60 s late).
    await servers.vault.advanceClock(3600 * 1000 + 1000);
    const late = await readStaticCredentials(alice, 'aws', 'ci-deployer');
    assert.equal(late.credentials.accessKeyId, before.credentials.accessKeyId, 'not rotated before the tick');
    assert.ok(late.rotatesAt!.getTime() < before.rotatesAt!.getTime() + 1, 'expiration still names the passed time');

    await servers.vault.advanceClock(60 * 1000);
    const after = await readStaticCredentials(alice, 'aws', 'ci-deployer');
    assert.notEqual(after.credentials.accessKeyId, before.credentials.accessKeyId);
    assert.ok(after.rotatesAt && before.rotatesAt && after.rotatesAt.getTime() > before.rotatesAt.getTime());
    assert.equal(await callerOf(servers.aws.url, after.credentials), 'arn:aws:iam::111111111111:user/service/ci-deployer');
    // createCredential deleted nothing: the user had one key. The previous key works until the next rotation.
    assert.equal(await callerOf(servers.aws.url, before.credentials), 'arn:aws:iam::111111111111:user/service/ci-deployer');

    await servers.vault.advanceClock(3600 * 1000 + 60 * 1000);
    const third = await readStaticCredentials(alice, 'aws', 'ci-deployer');
    assert.notEqual(third.credentials.accessKeyId, after.credentials.accessKeyId);
    assert.equal(await callerOf(servers.aws.url, before.credentials), 'InvalidClientTokenId', 'the oldest of two keys is deleted');
    assert.equal(await callerOf(servers.aws.url, after.credentials), 'arn:aws:iam::111111111111:user/service/ci-deployer');
  });

  test('a missing static role says to pick an existing one', async () => {
    await assert.rejects(
      readStaticCredentials(alice, 'aws', 'nope'),
      (error: unknown) => error instanceof UserError && error.code === 'VaultRoleNotFound',
    );
    await assert.rejects(
      readStaticRole(alice, 'aws', 'nope'),
      (error: unknown) => error instanceof UserError && error.code === 'VaultRoleNotFound',
    );
  });

  test('a token without the policy sees the static role list as forbidden', async () => {
    const readonly = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    readonly.setToken((await loginWithPassword(readonly, 'userpass', 'readonly', 'readonly-password')).token);
    assert.equal((await listStaticRoles(readonly, 'aws')).kind, 'forbidden');
  });

  test('the rotation time comes from expiration, else from ttl, else it is unknown (Vault 1.14)', () => {
    assert.equal(rotationTime({ expiration: '2030-01-01T00:00:00Z' })?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(rotationTime({ ttl: 60 }, 1_000_000)?.getTime(), 1_060_000);
    assert.equal(rotationTime({}), undefined);
  });
});
