// Core tests: once, on today's Node.
// The local IAM server's access keys as AWS keeps them: two per user (LimitExceeded, 409), NoSuchEntity (404) for a
// key that is not there, a new key refused by STS until it has propagated, a deleted or inactive key refused at once,
// the last use recorded when a key signs, and the user's own key management allowed by policy, perhaps only with
// MFA (aws:MultiFactorAuthPresent). Checked with the SDK, the AWS CLI and boto3.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { MFA_SECRET, type TestKey, addKey, mfaSerial, userWithKey } from '../../support/accessKeys';
import { awsCli, boto3Call, boto3Skip, cliSkip } from './realClients';

const PROPAGATION_MS = 5000;

let server: AwsServer;
before(async () => {
  server = await startAwsServer({ keyPropagationMs: PROPAGATION_MS });
});
after(() => server.close());

type Keys = TestKey & { sessionToken?: string };
const iam = (credentials: Keys) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const sts = (credentials: Keys) => new STSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });

/** The AWS error name and HTTP status a call failed with. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  return assert.fail('expected the call to fail');
}

describe('access keys in the local IAM', () => {
  test('a user creates a second key, and a third is refused with LimitExceeded (409)', async () => {
    const key = userWithKey(server, 'limit-user');
    const created = await iam(key).send(new CreateAccessKeyCommand({}));
    assert.equal(created.AccessKey?.UserName, 'limit-user');
    assert.equal(created.AccessKey?.Status, 'Active');
    assert.match(created.AccessKey?.AccessKeyId ?? '', /^AKIA[A-Z2-7]{16}$/);
    assert.ok(created.AccessKey?.SecretAccessKey && created.AccessKey.CreateDate instanceof Date);
    const third = await failure(iam(key).send(new CreateAccessKeyCommand({})));
    assert.deepEqual(third, { name: 'LimitExceededException', status: 409, message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
    const listed = await iam(key).send(new ListAccessKeysCommand({}));
    assert.deepEqual(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId).sort(), [key.accessKeyId, created.AccessKey!.AccessKeyId].sort());
  });

  test('a new key is refused until IAM has propagated it, and works from then on', async () => {
    const key = userWithKey(server, 'propagation-user');
    const { AccessKey } = await iam(key).send(new CreateAccessKeyCommand({}));
    const fresh = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    assert.ok(server.keyUsableAt(fresh.accessKeyId)! > Date.now(), 'the new key is not usable yet');
    const early = await failure(sts(fresh).send(new GetCallerIdentityCommand({})));
    assert.deepEqual([early.name, early.status], ['InvalidClientTokenId', 403]);
    server.advanceClock(PROPAGATION_MS);
    const caller = await sts(fresh).send(new GetCallerIdentityCommand({}));
    assert.equal(caller.Arn, 'arn:aws:iam::111111111111:user/propagation-user');
  });

  test('a deleted key is refused at once; deleting it again is NoSuchEntity (404)', async () => {
    const key = userWithKey(server, 'delete-user');
    const other = addKey(server, 'delete-user');
    await iam(key).send(new DeleteAccessKeyCommand({ AccessKeyId: other.accessKeyId }));
    const refused = await failure(sts(other).send(new GetCallerIdentityCommand({})));
    assert.deepEqual([refused.name, refused.status], ['InvalidClientTokenId', 403]);
    const again = await failure(iam(key).send(new DeleteAccessKeyCommand({ AccessKeyId: other.accessKeyId })));
    assert.deepEqual(again, {
      name: 'NoSuchEntityException',
      status: 404,
      message: `The Access Key with id ${other.accessKeyId} cannot be found.`,
    });
  });

  test('GetAccessKeyLastUsed says N/A until the key signs a request, then when, where and for which service', async () => {
    const key = userWithKey(server, 'last-used-user');
    const unused = addKey(server, 'last-used-user');
    const before = await iam(key).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: unused.accessKeyId }));
    assert.equal(before.UserName, 'last-used-user');
    assert.deepEqual(before.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });
    const start = Math.floor(Date.now() / 1000) * 1000;
    await new STSClient({ endpoint: server.url, region: 'eu-west-1', credentials: unused }).send(new GetCallerIdentityCommand({}));
    const after = await iam(key).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: unused.accessKeyId }));
    assert.equal(after.AccessKeyLastUsed?.ServiceName, 'sts');
    assert.equal(after.AccessKeyLastUsed?.Region, 'eu-west-1');
    assert.ok(after.AccessKeyLastUsed!.LastUsedDate!.getTime() >= start);
  });

  test('an Inactive key is refused until it is made Active again; a bad status is a ValidationError', async () => {
    const key = userWithKey(server, 'update-user');
    const other = addKey(server, 'update-user');
    await iam(key).send(new UpdateAccessKeyCommand({ AccessKeyId: other.accessKeyId, Status: 'Inactive' }));
    assert.equal((await failure(sts(other).send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
    const listed = await iam(key).send(new ListAccessKeysCommand({}));
    assert.equal(listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === other.accessKeyId)?.Status, 'Inactive');
    await iam(key).send(new UpdateAccessKeyCommand({ AccessKeyId: other.accessKeyId, Status: 'Active' }));
    assert.equal((await sts(other).send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::111111111111:user/update-user');
    const bad = await failure(iam(key).send(new UpdateAccessKeyCommand({ AccessKeyId: other.accessKeyId, Status: 'Paused' as 'Active' })));
    assert.equal(bad.name, 'ValidationError');
    assert.match(bad.message, /Member must satisfy enum value set: \[Active, Inactive\]/);
  });

  test("a user's key management is what their policy allows: not another user's keys", async () => {
    const key = userWithKey(server, 'own-keys-only');
    userWithKey(server, 'someone-else');
    const refused = await failure(iam(key).send(new CreateAccessKeyCommand({ UserName: 'someone-else' })));
    assert.deepEqual([refused.name, refused.status], ['AccessDenied', 403]);
    assert.equal(
      refused.message,
      'User: arn:aws:iam::111111111111:user/own-keys-only is not authorized to perform: iam:CreateAccessKey on resource: user someone-else because no identity-based policy allows the iam:CreateAccessKey action',
    );
  });

  test('with aws:MultiFactorAuthPresent in the policy, the long-term key may list but not create; an MFA session may', async () => {
    const key = userWithKey(server, 'mfa-user', { mfa: true });
    await iam(key).send(new ListAccessKeysCommand({}));
    const refused = await failure(iam(key).send(new CreateAccessKeyCommand({})));
    assert.deepEqual([refused.name, refused.status], ['AccessDenied', 403]);
    // Temporary credentials without MFA carry the key as false: still refused.
    const plain = (await sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    const noMfa = { accessKeyId: plain.AccessKeyId!, secretAccessKey: plain.SecretAccessKey!, sessionToken: plain.SessionToken };
    assert.equal((await failure(iam(noMfa).send(new CreateAccessKeyCommand({})))).name, 'AccessDenied');
    const code = totp(MFA_SECRET);
    const withMfa = (await sts(key).send(new GetSessionTokenCommand({ SerialNumber: mfaSerial('mfa-user'), TokenCode: code })))
      .Credentials!;
    const session = { accessKeyId: withMfa.AccessKeyId!, secretAccessKey: withMfa.SecretAccessKey!, sessionToken: withMfa.SessionToken };
    const created = await iam(session).send(new CreateAccessKeyCommand({}));
    assert.equal(created.AccessKey?.UserName, 'mfa-user');
  });

  test('the AWS CLI lists keys, reads their last use and is told LimitExceeded at two', { skip: cliSkip }, async () => {
    const key = userWithKey(server, 'cli-user');
    addKey(server, 'cli-user');
    const listed = await awsCli(server.url, key, 'iam', 'list-access-keys');
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as { AccessKeyMetadata: unknown[] }).AccessKeyMetadata.length, 2);
    const used = await awsCli(server.url, key, 'iam', 'get-access-key-last-used', '--access-key-id', key.accessKeyId);
    assert.equal(used.code, 0, used.stderr);
    assert.equal((JSON.parse(used.stdout) as { AccessKeyLastUsed: { ServiceName: string } }).AccessKeyLastUsed.ServiceName, 'iam');
    const third = await awsCli(server.url, key, 'iam', 'create-access-key');
    assert.notEqual(third.code, 0);
    assert.match(
      third.stderr,
      /\(LimitExceeded\) when calling the CreateAccessKey operation: Cannot exceed quota for AccessKeysPerUser: 2/,
    );
  });

  test('boto3 reads the same shapes and errors', { skip: boto3Skip }, async () => {
    const key = userWithKey(server, 'boto-user');
    const missing = await boto3Call(server.url, key, 'iam', 'delete_access_key', { AccessKeyId: 'AKIANOTTHERE00000000' });
    assert.deepEqual([missing.error?.Code, missing.status], ['NoSuchEntity', 404]);
    const used = await boto3Call(server.url, key, 'iam', 'get_access_key_last_used', { AccessKeyId: key.accessKeyId });
    assert.equal(used.UserName, 'boto-user');
    assert.equal((used.AccessKeyLastUsed as { Region: string }).Region, 'us-east-1');
  });
});
