// The local Vault, driven through node-vault (the client the extension uses), issues AWS credentials that
// really work at the local STS/IAM server and really stop working when their lease ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import nodeVault = require('node-vault');
import { type LocalServers, startServers } from '../../servers';
import { startVaultServer } from '../../servers/vault';

let servers: LocalServers;
let root: nodeVault.client;

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function client(token?: string): nodeVault.client {
  return nodeVault({ endpoint: servers.vault.url, token });
}

async function login(username: string, password: string): Promise<nodeVault.client> {
  const vault = client();
  await vault.userpassLogin({ username, password });
  return vault;
}

function keysOf(response: { data: Record<string, string | null> }): Keys {
  const { access_key, secret_key, session_token, security_token } = response.data;
  return { accessKeyId: access_key!, secretAccessKey: secret_key!, sessionToken: session_token ?? security_token ?? undefined };
}

/** The caller ARN at the local STS, or the AWS error name when the keys are refused. */
async function callerOf(keys: Keys): Promise<{ arn?: string; error?: string }> {
  const sts = new STSClient({ region: 'us-east-1', endpoint: servers.aws.url, credentials: keys, maxAttempts: 1 });
  try {
    return { arn: (await sts.send(new GetCallerIdentityCommand({}))).Arn };
  } catch (err) {
    return { error: (err as Error).name };
  } finally {
    sts.destroy();
  }
}

/** Polls until `check` holds; lease and token expiry run on the Vault's timers, not on our calls. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 6000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Asserts node-vault rejected with this HTTP status and an error message matching `message`. */
async function rejectsVault(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => assert.fail('expected Vault to refuse'),
    (e: nodeVault.ApiResponseError) => e,
  );
  assert.equal(err.response?.statusCode, status, err.message);
  assert.match(err.message, message);
}

async function withLeaseConfig(lease: string, leaseMax: string, body: () => Promise<void>): Promise<void> {
  await root.write('aws/config/lease', { lease, lease_max: leaseMax });
  try {
    await body();
  } finally {
    await root.write('aws/config/lease', { lease: '30m', lease_max: '1h' });
  }
}

before(async () => {
  servers = await startServers({ aws: { keyPropagationMs: 0 } });
  root = client(servers.vault.rootToken);
});
after(() => servers.close());

describe('iam_user leases', () => {
  it('leases working keys of a new IAM user named after the Vault user and role', async () => {
    const alice = await login('alice', 'alice-password');
    const lease = await alice.read('aws/creds/s3-full');
    assert.match(lease.lease_id, /^aws\/creds\/s3-full\/\w+$/);
    assert.equal(lease.renewable, true);
    assert.equal(lease.lease_duration, 1800);
    assert.equal(lease.data.security_token, null);
    assert.equal(lease.data.session_token, null);
    const caller = await callerOf(keysOf(lease));
    assert.match(caller.arn ?? String(caller.error), /^arn:aws:iam::111111111111:user\/vault-userpass-alice-s3-full-\d+-\w+$/);
  });

  it('renewing extends the lease, never past its max TTL', async () => {
    await withLeaseConfig('10s', '20s', async () => {
      const lease = await root.read('aws/creds/s3-full');
      const before = (await root.write('sys/leases/lookup', { lease_id: lease.lease_id })).data;
      assert.ok(before.ttl <= 10, `ttl ${before.ttl}`);
      assert.equal(before.last_renewal, null);

      const renewed = await root.renew({ lease_id: lease.lease_id, increment: 15 });
      assert.equal(renewed.lease_id, lease.lease_id);
      assert.equal(renewed.renewable, true);
      assert.ok(renewed.lease_duration >= 14 && renewed.lease_duration <= 15, `lease_duration ${renewed.lease_duration}`);
      const after = (await root.write('sys/leases/lookup', { lease_id: lease.lease_id })).data;
      assert.ok(after.ttl > before.ttl, `ttl ${before.ttl} → ${after.ttl}`);
      assert.ok(Date.parse(after.expire_time) > Date.parse(before.expire_time));
      assert.notEqual(after.last_renewal, null);

      const capped = await root.renew({ lease_id: lease.lease_id, increment: 100 });
      assert.ok(capped.lease_duration <= 20, `lease_duration ${capped.lease_duration}`);
      assert.match(capped.warnings?.[0] ?? '', /capped/);
      await root.revoke({ lease_id: lease.lease_id });
    });
  });

  it('revoking the lease deletes the IAM user, so its keys fail at STS', async () => {
    const lease = await root.read('aws/creds/s3-full');
    const keys = keysOf(lease);
    assert.ok((await callerOf(keys)).arn);
    await root.revoke({ lease_id: lease.lease_id });
    assert.equal((await callerOf(keys)).error, 'InvalidClientTokenId');
    assert.ok(!servers.vault.leaseIds().includes(lease.lease_id));
    await rejectsVault(root.write('sys/leases/lookup', { lease_id: lease.lease_id }), 400, /^invalid lease$/);
  });

  it('an expired lease removes its user by itself', async () => {
    await withLeaseConfig('2s', '2s', async () => {
      const lease = await root.read('aws/creds/s3-full');
      const keys = keysOf(lease);
      assert.equal(lease.lease_duration, 2);
      assert.ok((await callerOf(keys)).arn);
      await eventually('the expired lease user is deleted', async () => (await callerOf(keys)).error === 'InvalidClientTokenId');
      await rejectsVault(root.renew({ lease_id: lease.lease_id }), 400, /^lease not found$/);
    });
  });

  it('revoking an unknown lease is not an error; renewing one is', async () => {
    await root.revoke({ lease_id: 'aws/creds/s3-full/doesnotexist' });
    await rejectsVault(root.renew({ lease_id: 'aws/creds/s3-full/doesnotexist' }), 400, /^lease not found$/);
    await rejectsVault(root.write('sys/leases/revoke', {}), 400, /^lease_id must be specified$/);
  });
});

describe('STS leases', () => {
  it('assumed_role credentials are the VaultS3 role session at STS, for the requested TTL', async () => {
    const alice = await login('alice', 'alice-password');
    const lease = await alice.write('aws/sts/dev-s3', { ttl: '15m' });
    assert.match(lease.lease_id, /^aws\/sts\/dev-s3\/\w+$/);
    assert.equal(lease.renewable, false);
    assert.ok(lease.lease_duration > 890 && lease.lease_duration <= 900, `lease_duration ${lease.lease_duration}`);
    assert.equal(lease.data.ttl, lease.lease_duration);
    assert.match(lease.data.arn, /^arn:aws:sts::222222222222:assumed-role\/VaultS3\/vault-userpass-alice-dev-s3-/);
    assert.equal(lease.data.session_token, lease.data.security_token);
    assert.equal((await callerOf(keysOf(lease))).arn, lease.data.arn);
  });

  it('renewing an STS lease fails with "lease is not renewable"', async () => {
    const lease = await root.read('aws/sts/dev-s3');
    assert.ok(lease.lease_duration > 890 && lease.lease_duration <= 900, 'default_sts_ttl 900 applies');
    await rejectsVault(root.renew({ lease_id: lease.lease_id, increment: 600 }), 400, /^lease is not renewable$/);
  });

  it('federation_token credentials are a federated user at STS', async () => {
    const lease = await root.write('aws/sts/federated', { ttl: 900 });
    assert.equal(lease.renewable, false);
    assert.equal(lease.data.arn, undefined);
    assert.match((await callerOf(keysOf(lease))).arn ?? '', /^arn:aws:sts::111111111111:federated-user\/vault-root-\d+/);
  });

  it('role_arn choice, the iam_user-through-sts rule and AWS refusals come back as 400 messages', async () => {
    const allowed = 'arn:aws:iam::222222222222:role/vault/VaultS3';
    const untrusted = 'arn:aws:iam::333333333333:role/BreakGlass';
    await root.write('aws/roles/two-arns', { credential_type: 'assumed_role', role_arns: [allowed, untrusted] });
    await rejectsVault(root.read('aws/sts/two-arns'), 400, /^did not supply a role_arn parameter and unable to determine one$/);
    await rejectsVault(
      root.write('aws/sts/two-arns', { role_arn: 'arn:aws:iam::222222222222:role/Other' }),
      400,
      /^role_arn "arn:aws:iam::222222222222:role\/Other" not in allowed role arns for Vault role "two-arns"$/,
    );
    await rejectsVault(root.write('aws/sts/two-arns', { role_arn: untrusted }), 400, /^Error assuming role: AccessDenied: /);
    await rejectsVault(root.read('aws/sts/s3-full'), 400, /^attempted to retrieve iam_user credentials through the sts path/);
    await root.delete('aws/roles/two-arns');
  });
});

describe('roles', () => {
  it('LIST aws/roles returns the role names; a role reads back as Vault 1.14 returns it', async () => {
    const alice = await login('alice', 'alice-password');
    assert.deepEqual((await alice.list('aws/roles')).data.keys, ['dev-s3', 'federated', 's3-full', 'session-mfa']);
    const role = (await alice.read('aws/roles/dev-s3')).data;
    assert.equal(role.credential_type, 'assumed_role');
    assert.deepEqual(role.role_arns, ['arn:aws:iam::222222222222:role/vault/VaultS3']);
    assert.equal(role.default_sts_ttl, 900);
    assert.equal(role.max_sts_ttl, 3600);
  });

  it('an empty role list and a missing role are 404 with an empty errors list', async () => {
    const bare = await startVaultServer({ awsEndpoint: servers.aws.url, roles: {} });
    try {
      const vault = nodeVault({ endpoint: bare.url, token: bare.rootToken });
      const err = await vault.list('aws/roles').catch((e: nodeVault.ApiResponseError) => e);
      assert.equal(err.response.statusCode, 404);
      assert.deepEqual(err.response.body, { errors: [] });
      assert.equal(err.message, 'Status 404');
      await rejectsVault(vault.read('aws/roles/nope'), 404, /^Status 404$/);
    } finally {
      await bare.close();
    }
  });

  it('a second AWS mount has its own roles and leases, and sys/mounts lists both as type aws', async () => {
    const twoMounts = await startVaultServer({ awsEndpoint: servers.aws.url, awsMounts: ['aws', 'aws-prod'] });
    try {
      const alice = nodeVault({ endpoint: twoMounts.url });
      await alice.userpassLogin({ username: 'alice', password: 'alice-password' });
      const mounts = (await alice.mounts()).data;
      assert.deepEqual([mounts['aws/'].type, mounts['aws-prod/'].type], ['aws', 'aws']);
      const lease = await alice.read('aws-prod/creds/s3-full');
      assert.match(lease.lease_id, /^aws-prod\/creds\/s3-full\//);
      assert.match((await callerOf(keysOf(lease))).arn ?? '', /^arn:aws:iam::111111111111:user\/vault-userpass-alice-s3-full-/);
      await alice.revoke({ lease_id: lease.lease_id });
    } finally {
      await twoMounts.close();
    }
  });

  it('creds and sts for a missing role are 400 naming the role', async () => {
    await rejectsVault(root.read('aws/creds/nope'), 400, /^Role "nope" not found$/);
    await rejectsVault(root.write('aws/sts/nope', { ttl: '15m' }), 400, /^Role "nope" not found$/);
  });
});

describe('tokens and policies', () => {
  it('lookup-self describes a userpass token', async () => {
    const alice = await login('alice', 'alice-password');
    const self = (await alice.tokenLookupSelf()).data;
    assert.equal(self.display_name, 'userpass-alice');
    assert.deepEqual(self.policies, ['aws-dev', 'default']);
    assert.equal(self.type, 'service');
    assert.deepEqual(self.meta, { username: 'alice' });
    assert.ok(self.ttl > 0 && Date.parse(self.expire_time) > Date.now());
    const rootSelf = (await root.tokenLookupSelf()).data;
    assert.deepEqual([rootSelf.policies, rootSelf.ttl, rootSelf.expire_time], [['root'], 0, null]);
  });

  it('the readonly user is denied aws/creds and aws/roles', async () => {
    const readonly = await login('readonly', 'readonly-password');
    assert.deepEqual((await readonly.tokenLookupSelf()).data.policies, ['default']);
    await rejectsVault(readonly.read('aws/creds/s3-full'), 403, /permission denied/);
    await rejectsVault(readonly.list('aws/roles'), 403, /permission denied/);
    await rejectsVault(login('readonly', 'wrong'), 400, /^invalid username or password$/);
  });

  it('a token that expires loses access, and its iam_user lease is revoked with it', async () => {
    const creator = client(servers.vault.rootToken);
    const created = await creator.tokenCreate({ policies: ['aws-dev'], ttl: '1s' });
    assert.equal(created.auth.lease_duration, 1);
    const shortLived = client(created.auth.client_token);
    const lease = await shortLived.read('aws/creds/s3-full');
    const keys = keysOf(lease);
    assert.match((await callerOf(keys)).arn ?? '', /user\/vault-token-s3-full-/);

    await eventually('the token has expired', () =>
      shortLived.tokenLookupSelf().then(
        () => false,
        () => true,
      ),
    );
    await rejectsVault(shortLived.read('aws/creds/s3-full'), 403, /permission denied/);
    await eventually('the lease user is deleted', async () => (await callerOf(keys)).error === 'InvalidClientTokenId');
    // The keys die at DeleteAccessKey; the lease goes once DeleteUser, the last call, has finished.
    await eventually('the lease is gone', async () => !servers.vault.leaseIds().includes(lease.lease_id));
  });
});

describe('clock', () => {
  it('advancing the clock past a token TTL expires it and revokes its leases at once', async () => {
    const created = await client(servers.vault.rootToken).tokenCreate({ policies: ['aws-dev'], ttl: '1h' });
    const holder = client(created.auth.client_token);
    const lease = await holder.read('aws/creds/s3-full');
    assert.ok((await callerOf(keysOf(lease))).arn);
    await servers.vault.advanceClock(3600 * 1000 + 1000);
    await rejectsVault(holder.tokenLookupSelf(), 403, /permission denied/);
    assert.equal((await callerOf(keysOf(lease))).error, 'InvalidClientTokenId');
  });
});

describe('seal, health and failures', () => {
  it('a sealed Vault refuses requests with "Vault is sealed" and health says sealed', async () => {
    await root.write('sys/seal', {});
    try {
      await rejectsVault(root.read('aws/roles/dev-s3'), 503, /^Vault is sealed$/);
      const health = await root.health();
      assert.equal(health.sealed, true);
      assert.equal(health.cluster_name, undefined);
      const raw = await fetch(`${servers.vault.url}/v1/sys/health`);
      assert.equal(raw.status, 503);
      assert.equal((await fetch(`${servers.vault.url}/v1/sys/health?sealedcode=200`)).status, 200);
    } finally {
      await root.unseal({ key: 'any' });
    }
    assert.equal((await root.health()).sealed, false);
    assert.ok((await root.read('aws/roles/dev-s3')).data);
  });

  it('sys/mounts lists the AWS engine as type aws, in data and at the top level', async () => {
    const alice = await login('alice', 'alice-password');
    const mounts = await alice.mounts();
    assert.equal(mounts.data['aws/'].type, 'aws');
    assert.equal(mounts['aws/'].type, 'aws');
  });

  it('the failure switch fails the next request, then lets requests through', async () => {
    servers.vault.setFailure({ mode: 'error', status: 500 }, 1);
    await rejectsVault(root.tokenLookupSelf(), 500, /internal error/);
    assert.ok((await root.tokenLookupSelf()).data);
    servers.vault.setFailure({ mode: 'reset' }, 1);
    await assert.rejects(
      root.tokenLookupSelf(),
      (err: Error & { code?: string }) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message),
    );
    assert.ok((await root.tokenLookupSelf()).data);
  });
});
