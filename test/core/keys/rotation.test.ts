// Rotate Access Key against the local IAM and STS with the real SDK: the new key stored, the old one refused (the
// AWS CLI proves both), done within a second of AWS accepting the new key; with MFA where the policy asks for it;
// the two-key limit; and a failure at each step leaving a working key and a sentence that names it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type RotateOptions, rotateAccessKey } from '../../../src/core/keys/rotation';
import type { KeyFacts } from '../../../src/core/keys/keyAge';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { MFA_SECRET, MemoryKeyHolder, type TestKey, addKey, mfaSerial, userWithKey } from '../../support/accessKeys';
import { awsCli, cliSkip } from '../servers/realClients';
import { rejectsWith } from '../rejectsWith';

/** IAM takes this long to accept a new key here: rotation must wait for it, and no longer than needed. */
const PROPAGATION_MS = 800;
const PROFILE = 'central';

let server: AwsServer;
before(async () => {
  server = await startAwsServer({ keyPropagationMs: PROPAGATION_MS });
});
after(() => server.close());

function options(holder: MemoryKeyHolder, extra: Partial<RotateOptions> = {}): RotateOptions {
  return {
    profile: PROFILE,
    holder,
    iamEndpoint: server.url,
    stsEndpoint: server.url,
    region: 'us-east-1',
    timeoutMs: 5000,
    confirmDeleteOther: () => assert.fail('asked to delete a second key, but there was none'),
    ...extra,
  };
}

/** The ids IAM lists for the user of `key` (asked as the IAM administrator, so it works whatever `key` became). */
async function listedIds(userName: string): Promise<string[]> {
  const admin = { accessKeyId: 'AKIALOCALVAULT000001', secretAccessKey: 'vaultLocalSecretKey000000000000000000000V' };
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: admin });
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!).sort();
}

async function works(key: TestKey): Promise<boolean> {
  try {
    await new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: key, maxAttempts: 1 }).send(
      new GetCallerIdentityCommand({}),
    );
    return true;
  } catch (error) {
    assert.equal((error as Error).name, 'InvalidClientTokenId');
    return false;
  }
}

describe('Rotate Access Key', () => {
  test('creates a key, waits for AWS to accept it, stores it, deletes the old one: done within a second of acceptance', async (t) => {
    const old = userWithKey(server, 'rotate-plain', { createdDaysAgo: 120 });
    const holder = new MemoryKeyHolder(PROFILE, old);
    const rotation = await rotateAccessKey(options(holder));
    const fresh = holder.keys.get(PROFILE)!;
    assert.equal(fresh.accessKeyId, rotation.newKeyId);
    assert.notEqual(fresh.accessKeyId, old.accessKeyId);
    assert.equal(rotation.oldKeyId, old.accessKeyId);
    assert.equal(rotation.withMfa, false);
    assert.deepEqual(await listedIds('rotate-plain'), [fresh.accessKeyId]);
    assert.equal(await works(old), false, 'the old key is refused');
    assert.equal(await works(fresh), true, 'the new key works');
    const acceptedByAws = server.keyUsableAt(fresh.accessKeyId)!;
    const late = rotation.doneAt - acceptedByAws;
    t.diagnostic(`done ${late} ms after AWS accepted the new key (${rotation.doneAt - rotation.acceptedAt} ms after our check saw it)`);
    assert.ok(late >= 0 && late < 1000, `done ${late} ms after AWS accepted the new key`);
  });

  test('the AWS CLI is refused with the old key and works with the new one afterwards', { skip: cliSkip }, async () => {
    const old = userWithKey(server, 'rotate-cli');
    const holder = new MemoryKeyHolder(PROFILE, old);
    await rotateAccessKey(options(holder));
    const before = await awsCli(server.url, old, 'sts', 'get-caller-identity');
    assert.notEqual(before.code, 0);
    assert.match(before.stderr, /InvalidClientTokenId/);
    const after = await awsCli(server.url, holder.keys.get(PROFILE)!, 'sts', 'get-caller-identity');
    assert.equal(after.code, 0, after.stderr);
    assert.equal((JSON.parse(after.stdout) as { Arn: string }).Arn, 'arn:aws:iam::111111111111:user/rotate-cli');
  });

  test('with aws:MultiFactorAuthPresent in the policy, asks one MFA code and rotates in an MFA session', async () => {
    const old = userWithKey(server, 'rotate-mfa', { mfa: true });
    const holder = new MemoryKeyHolder(PROFILE, old);
    const asked: string[] = [];
    const mfaCode = (serial: string) => {
      asked.push(serial);
      return Promise.resolve(totp(MFA_SECRET));
    };
    const rotation = await rotateAccessKey(options(holder, { mfaSerial: mfaSerial('rotate-mfa'), mfaCode }));
    assert.deepEqual(asked, [mfaSerial('rotate-mfa')]);
    assert.equal(rotation.withMfa, true);
    assert.deepEqual(await listedIds('rotate-mfa'), [rotation.newKeyId]);
    assert.equal(await works(old), false);
  });

  test('without MFA where the policy asks for it, says which key is in use and nothing changes', async () => {
    const old = userWithKey(server, 'rotate-mfa-missing', { mfa: true });
    const holder = new MemoryKeyHolder(PROFILE, old);
    const error = await rejectsWith(
      rotateAccessKey(options(holder)),
      'AccessDenied',
      `key ${old.accessKeyId} is still in use and nothing changed`,
    );
    assert.match(error.message, /^Could not create a new access key \(AccessDenied\): .*mfa_serial/);
    assert.deepEqual(await listedIds('rotate-mfa-missing'), [old.accessKeyId]);
    assert.equal(holder.keys.get(PROFILE), old);
  });

  test('a wrong MFA code: the sentence says so and which key is in use, and nothing changes', async () => {
    const old = userWithKey(server, 'rotate-mfa-wrong', { mfa: true });
    const holder = new MemoryKeyHolder(PROFILE, old);
    // A code none of the steps AWS accepts (one either side of now, and a step more for a boundary) could show.
    const valid = [-60_000, -30_000, 0, 30_000, 60_000].map((offset) => totp(MFA_SECRET, Date.now() + offset));
    const wrong = ['000000', '111111', '222222', '333333'].find((code) => !valid.includes(code))!;
    const mfaCode = () => Promise.resolve(wrong);
    await rejectsWith(
      rotateAccessKey(options(holder, { mfaSerial: mfaSerial('rotate-mfa-wrong'), mfaCode })),
      'MfaFailed',
      'AWS rejected the MFA code',
      `key ${old.accessKeyId} is still in use and nothing changed`,
    );
    assert.deepEqual(await listedIds('rotate-mfa-wrong'), [old.accessKeyId]);
  });

  test('two keys already: asks about the unused one, deletes it when allowed, then rotates', async () => {
    const old = userWithKey(server, 'rotate-two');
    const other = addKey(server, 'rotate-two', 30);
    const holder = new MemoryKeyHolder(PROFILE, old);
    const offered: KeyFacts[] = [];
    const rotation = await rotateAccessKey(
      options(holder, { confirmDeleteOther: (facts) => (offered.push(facts), Promise.resolve(true)) }),
    );
    assert.deepEqual(
      offered.map((k) => [k.accessKeyId, k.inUse]),
      [[other.accessKeyId, false]],
    );
    assert.equal(rotation.deletedOtherKeyId, other.accessKeyId);
    assert.deepEqual(await listedIds('rotate-two'), [rotation.newKeyId]);
  });

  test('two keys and the person says no: nothing changes', async () => {
    const old = userWithKey(server, 'rotate-two-kept');
    const other = addKey(server, 'rotate-two-kept');
    const holder = new MemoryKeyHolder(PROFILE, old);
    await rejectsWith(rotateAccessKey(options(holder, { confirmDeleteOther: () => Promise.resolve(false) })), 'Cancelled');
    assert.deepEqual(await listedIds('rotate-two-kept'), [old.accessKeyId, other.accessKeyId].sort());
    assert.equal(holder.keys.get(PROFILE), old);
  });

  test('CreateAccessKey refused: the old key stays in use, and the sentence says so', async () => {
    const old = userWithKey(server, 'rotate-no-create', { writes: ['iam:DeleteAccessKey'] });
    const holder = new MemoryKeyHolder(PROFILE, old);
    await rejectsWith(
      rotateAccessKey(options(holder)),
      'AccessDenied',
      `Could not create a new access key (AccessDenied): key ${old.accessKeyId} is still in use and nothing changed`,
    );
    assert.deepEqual(await listedIds('rotate-no-create'), [old.accessKeyId]);
    assert.equal(await works(old), true);
  });

  test('the new key not accepted within the bound: deleted again, the old key stays in use', async () => {
    const old = userWithKey(server, 'rotate-slow');
    const holder = new MemoryKeyHolder(PROFILE, old);
    const error = await rejectsWith(
      rotateAccessKey(options(holder, { acceptWithinMs: 250 })),
      'KeysNotYetUsable',
      `key ${old.accessKeyId} is still in use and the new key was deleted again`,
    );
    assert.match(error.message, /^AWS did not accept the new key AKIA\w+ in time/);
    assert.deepEqual(await listedIds('rotate-slow'), [old.accessKeyId]);
    assert.equal(holder.keys.get(PROFILE), old);
    assert.equal(await works(old), true);
  });

  test('the keychain refuses the new key: deleted again, the old key stays in use, the keychain is not quoted', async () => {
    const old = userWithKey(server, 'rotate-no-store');
    const holder = new MemoryKeyHolder(PROFILE, old);
    holder.failReplace = new Error('keychain said: s3cr3t-detail');
    const error = await rejectsWith(
      rotateAccessKey(options(holder)),
      'RotationFailed',
      `Could not store the new key in the keychain (Error): key ${old.accessKeyId} is still in use and the new key was deleted again`,
    );
    assert.doesNotMatch(error.message, /s3cr3t/);
    assert.deepEqual(await listedIds('rotate-no-store'), [old.accessKeyId]);
    assert.equal(await works(old), true);
  });

  test('DeleteAccessKey of the old key refused: the new key is in use, and the sentence says to delete the old one', async () => {
    const old = userWithKey(server, 'rotate-no-delete', { writes: ['iam:CreateAccessKey'] });
    const holder = new MemoryKeyHolder(PROFILE, old);
    const fresh = await rotateAccessKey(options(holder)).then(
      () => assert.fail('the old key was deleted'),
      (error: Error) => error,
    );
    const inUse = holder.keys.get(PROFILE)!;
    assert.notEqual(inUse.accessKeyId, old.accessKeyId);
    assert.equal(
      fresh.message,
      `The new key ${inUse.accessKeyId} is in use, but AWS did not delete the old key ${old.accessKeyId} (AccessDenied): delete it in the IAM console, it still works until then.`,
    );
    assert.equal(await works(inUse), true);
  });

  test('a profile whose key is not in the keychain is not rotated', async () => {
    await rejectsWith(rotateAccessKey(options(new MemoryKeyHolder())), 'NoKeyInKeychain', 'Move Keys to Keychain');
  });
});
