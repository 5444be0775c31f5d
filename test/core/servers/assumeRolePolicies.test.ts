// Core tests: once, on today's Node.
// sts:AssumeRole needs the caller's own identity policies as well as the role's trust policy, as IAM decides it
// (IAM User Guide, "Cross-account policy evaluation logic"): checked through the JS SDK, boto3 and the AWS CLI.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeleteUserPolicyCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { tryRoles } from '../../../src/core/discovery/roleTrial';
import { StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type Keys, awsCli, boto3Call, boto3Skip, cliSkip } from './realClients';

const ALICE: Keys = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const BOB: Keys = { accessKeyId: 'AKIALOCALBOB00000001', secretAccessKey: 'bobLocalSecretKey0000000000000000000000B' };
const ERIN: Keys = { accessKeyId: 'AKIALOCALERIN0000001', secretAccessKey: 'erinLocalSecretKey000000000000000000000E' };
const VAULT_ROOT: Keys = { accessKeyId: 'AKIALOCALVAULT000001', secretAccessKey: 'vaultLocalSecretKey000000000000000000000V' };
const DEV_READONLY = 'arn:aws:iam::222222222222:role/ReadOnly';
const PROD_READONLY = 'arn:aws:iam::333333333333:role/ReadOnly';
const refusal = (user: string, role: string) =>
  `User: arn:aws:iam::111111111111:user/${user} is not authorized to perform: sts:AssumeRole on resource: ${role}`;

let server: AwsServer;
before(async () => {
  server = await startAwsServer();
});
after(() => server.close());

const sts = (credentials: Keys) => new STSClient({ endpoint: server.url, region: 'us-east-1', credentials });

async function sdkOutcome(keys: Keys, roleArn: string): Promise<string> {
  try {
    const { AssumedRoleUser } = await sts(keys).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'check' }));
    return AssumedRoleUser?.Arn ?? 'no arn';
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return `${e.$metadata?.httpStatusCode} ${e.name}: ${e.message}`;
  }
}

describe('the caller must be allowed sts:AssumeRole by its own policies (AWS SDK)', () => {
  test('erin: her NotResource Allow excludes every prod role, so the trusting prod ReadOnly refuses her', async () => {
    assert.equal(await sdkOutcome(ERIN, PROD_READONLY), `403 AccessDenied: ${refusal('erin', PROD_READONLY)}`);
    assert.equal(await sdkOutcome(ERIN, DEV_READONLY), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/check');
  });

  test('bob: his policy names two prod roles, so dev ReadOnly (which trusts his account) refuses him', async () => {
    assert.equal(await sdkOutcome(BOB, DEV_READONLY), `403 AccessDenied: ${refusal('bob', DEV_READONLY)}`);
    assert.equal(await sdkOutcome(BOB, PROD_READONLY), 'arn:aws:sts::333333333333:assumed-role/ReadOnly/check');
  });

  test('an explicit Deny in the caller’s inline policy wins over the group and managed Allows', async () => {
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: VAULT_ROOT });
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:*', Resource: PROD_READONLY }] };
    const input = { UserName: 'alice', PolicyName: 'NoProdReadOnly' };
    assert.match(await sdkOutcome(ALICE, PROD_READONLY), /assumed-role\/ReadOnly\/check$/);
    await iam.send(new PutUserPolicyCommand({ ...input, PolicyDocument: JSON.stringify(deny) }));
    try {
      assert.equal(await sdkOutcome(ALICE, PROD_READONLY), `403 AccessDenied: ${refusal('alice', PROD_READONLY)}`);
    } finally {
      await iam.send(new DeleteUserPolicyCommand(input));
    }
  });

  test('a chained role session needs its role’s own policy: dev ReadOnly may chain to prod Auditor only', async () => {
    const { Credentials } = await sts(ALICE).send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'alice' }));
    const session = {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
    assert.equal(
      await sdkOutcome(session, 'arn:aws:iam::333333333333:role/Auditor'),
      'arn:aws:sts::333333333333:assumed-role/Auditor/check',
    );
    const denied = await sdkOutcome(session, PROD_READONLY);
    assert.equal(
      denied,
      `403 AccessDenied: User: arn:aws:sts::222222222222:assumed-role/ReadOnly/alice is not authorized to perform: sts:AssumeRole on resource: ${PROD_READONLY}`,
    );
  });
});

describe('the same refusals through boto3 and the AWS CLI', () => {
  test(
    'boto3 gets AccessDenied with HTTP 403 for erin and bob, and credentials where both policies allow',
    { skip: boto3Skip },
    async () => {
      const erin = await boto3Call(server.url, ERIN, 'sts', 'assume_role', { RoleArn: PROD_READONLY, RoleSessionName: 'py' });
      assert.deepEqual(
        { status: erin.status, ...erin.error },
        { status: 403, Type: 'Sender', Code: 'AccessDenied', Message: refusal('erin', PROD_READONLY) },
      );
      const bob = await boto3Call(server.url, BOB, 'sts', 'assume_role', { RoleArn: DEV_READONLY, RoleSessionName: 'py' });
      assert.equal(bob.error?.Code, 'AccessDenied');
      const ok = await boto3Call(server.url, BOB, 'sts', 'assume_role', { RoleArn: PROD_READONLY, RoleSessionName: 'py' });
      assert.equal((ok.AssumedRoleUser as { Arn: string }).Arn, 'arn:aws:sts::333333333333:assumed-role/ReadOnly/py');
    },
  );

  test('the AWS CLI prints AWS’s AccessDenied sentence and exits non-zero', { skip: cliSkip }, async () => {
    const refused = await awsCli(server.url, ERIN, 'sts', 'assume-role', '--role-arn', PROD_READONLY, '--role-session-name', 'cli');
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /\(AccessDenied\) when calling the AssumeRole operation: User: arn:aws:iam::111111111111:user\/erin is not authorized/,
    );
    const allowed = await awsCli(server.url, ERIN, 'sts', 'assume-role', '--role-arn', DEV_READONLY, '--role-session-name', 'cli');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).AssumedRoleUser.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/cli');
  });
});

describe('Discover Roles’ Try believes the stricter server', () => {
  test('roles the trust policy allows but the user’s own policies do not are marked refused, not “works”', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'try-'));
    try {
      const credentials = [
        ['erin', ERIN],
        ['bob', BOB],
      ]
        .map(
          ([name, k]) =>
            `[${name}]\naws_access_key_id = ${(k as Keys).accessKeyId}\naws_secret_access_key = ${(k as Keys).secretAccessKey}\n`,
        )
        .join('\n');
      fs.writeFileSync(path.join(home, 'credentials'), credentials);
      fs.writeFileSync(path.join(home, 'config'), '');
      const config = await loadAwsConfig({ configPath: path.join(home, 'config'), credentialsPath: path.join(home, 'credentials') });
      const trial = (sourceProfile: string) => ({
        config,
        endpoint: server.url,
        region: 'us-east-1',
        timeoutMs: 5000,
        cache: new StsCache(),
        sourceProfile,
      });
      assert.deepEqual(await tryRoles([PROD_READONLY, DEV_READONLY], trial('erin')), [
        { arn: PROD_READONLY, status: 'refused', code: 'AccessDenied' },
        { arn: DEV_READONLY, status: 'works' },
      ]);
      assert.deepEqual(await tryRoles([DEV_READONLY, PROD_READONLY], trial('bob')), [
        { arn: DEV_READONLY, status: 'refused', code: 'AccessDenied' },
        { arn: PROD_READONLY, status: 'works' },
      ]);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
