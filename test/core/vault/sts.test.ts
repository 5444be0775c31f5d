// The AWS engine's STS options: session_token with an MFA code, assumed_role with a session name, the role's
// TTLs as choices and its policy for a tooltip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/core/session';
import { VaultClient } from '../../../src/core/vault/client';
import { loginWithPassword } from '../../../src/core/vault/auth';
import { checkSessionName, defaultSessionName, needsMfaCode, rolePolicyLines, ttlChoices } from '../../../src/core/vault/stsOptions';
import { type LocalServers, startServers } from '../../servers';
import { totp } from '../../servers/aws';
import { rejectsWith } from '../rejectsWith';

// The MFA device of Vault's own IAM user in test/servers/world.json.
const VAULT_ROOT_TOTP = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

async function callerOf(endpoint: string, credentials: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

describe('Vault STS credential options', () => {
  let servers: LocalServers;
  let carol: VaultClient;
  let carolName: string;

  before(async () => {
    servers = await startServers();
    carol = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    const signedIn = await loginWithPassword(carol, 'ldap', 'carol', 'carol-ldap-password');
    carol.setToken(signedIn.token);
    carolName = defaultSessionName(signedIn.info);
  });
  after(() => servers.close());

  test('a session_token role with an MFA device asks for a code, and leases working session keys with it', async () => {
    const role = await carol.readRole('aws', 'session-mfa');
    assert.ok(role);
    assert.equal(needsMfaCode(role, 'session_token'), true);
    const leased = await carol.leaseCredentials('aws', 'session-mfa', { credentialType: 'session_token', mfaCode: totp(VAULT_ROOT_TOTP) });
    assert.ok(leased.credentials.sessionToken);
    assert.equal(leased.lease.renewable, false);
    assert.equal(await callerOf(servers.aws.url, leased.credentials), 'arn:aws:iam::111111111111:user/service/vault-root');
  });

  test('a wrong or missing MFA code is refused by AWS through Vault', async () => {
    await rejectsWith(
      carol.leaseCredentials('aws', 'session-mfa', { credentialType: 'session_token', mfaCode: '000000' }),
      'VaultAwsError',
    );
    await rejectsWith(carol.leaseCredentials('aws', 'session-mfa', { credentialType: 'session_token' }), 'VaultAwsError');
  });

  test("assumed_role credentials carry the session name asked for, by default the Vault identity's name", async () => {
    assert.equal(carolName, 'ldap-carol');
    const byDefault = await carol.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', roleSessionName: carolName });
    assert.equal(await callerOf(servers.aws.url, byDefault.credentials), 'arn:aws:sts::222222222222:assumed-role/VaultS3/ldap-carol');
    assert.equal(byDefault.arn, 'arn:aws:sts::222222222222:assumed-role/VaultS3/ldap-carol');
    const named = await carol.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', roleSessionName: 'carol-debugging' });
    assert.equal(await callerOf(servers.aws.url, named.credentials), 'arn:aws:sts::222222222222:assumed-role/VaultS3/carol-debugging');
  });

  test("the role's default and maximum STS TTL become the TTL choices, and a chosen TTL is what Vault grants", async () => {
    const role = await carol.readRole('aws', 'dev-s3');
    assert.ok(role);
    const choices = ttlChoices(role);
    assert.deepEqual(
      choices.map((c) => [c.seconds, c.label]),
      [
        [undefined, '15m'],
        [1800, '30m'],
        [3600, '1h'],
      ],
    );
    assert.equal(choices[0].description, "the role's default");
    assert.equal(choices[2].description, "the role's maximum");
    const leased = await carol.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', ttl: choices[1].seconds });
    assert.ok(leased.lease.leaseDuration > 1700 && leased.lease.leaseDuration <= 1800, String(leased.lease.leaseDuration));
  });

  test("TTL choices without role limits start at Vault's 1h default and never go under 15 minutes", () => {
    const choices = ttlChoices({ defaultStsTtl: 0, maxStsTtl: 0 });
    assert.deepEqual(choices[0], { seconds: undefined, label: '1h', description: "Vault's default" });
    assert.ok(choices.every((c) => c.seconds === undefined || c.seconds >= 900));
    assert.equal(choices.at(-1)?.label, '12h');
  });

  test("the role's policy is exposed for a tooltip: role ARNs, managed policies and the inline document", async () => {
    const federated = await carol.readRole('aws', 'federated');
    assert.ok(federated);
    const lines = rolePolicyLines(federated);
    assert.equal(lines[0], 'Inline policy:');
    assert.deepEqual(JSON.parse(lines.slice(1).join('\n')).Statement[0].Action, 's3:*');
    const iamUser = await carol.readRole('aws', 's3-full');
    assert.deepEqual(rolePolicyLines(iamUser!), ['Policy: arn:aws:iam::aws:policy/AmazonS3FullAccess']);
  });

  test('session names AWS would refuse are caught before asking Vault', () => {
    assert.equal(checkSessionName('ok-name@example.com'), undefined);
    assert.match(checkSessionName('has space') ?? '', /letters, digits/);
    assert.match(checkSessionName('x') ?? '', /2 to 64/);
    assert.equal(defaultSessionName({ displayName: 'oidc-Alice Example/ops' }), 'oidc-Alice-Example-ops');
    assert.equal(defaultSessionName({ displayName: '' }), 'vault-session');
  });
});
