// The local STS/IAM server behaves like AWS for the SDK and the real AWS CLI: signatures, trust policies, MFA,
// external ids, chaining, durations, expiry, IAM pagination and user management, and the failure switch.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  IAMClient,
  ListRolesCommand,
  type Role,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const ALICE: Keys = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const BOB: Keys = { accessKeyId: 'AKIALOCALBOB00000001', secretAccessKey: 'bobLocalSecretKey0000000000000000000000B' };
const VAULT_ROOT: Keys = { accessKeyId: 'AKIALOCALVAULT000001', secretAccessKey: 'vaultLocalSecretKey000000000000000000000V' };
const BOB_MFA = { serial: 'arn:aws:iam::111111111111:mfa/bob', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const KEY_PROPAGATION_MS = 400;

let server: AwsServer;

before(async () => {
  server = await startAwsServer({ keyPropagationMs: KEY_PROPAGATION_MS });
});
after(() => server.close());

const sts = (credentials: Keys) => new STSClient({ endpoint: server.url, region: 'us-east-1', credentials });
const iam = (credentials: Keys) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials });

async function assumeRole(credentials: Keys, input: AssumeRoleCommandInput): Promise<Keys> {
  const { Credentials } = await sts(credentials).send(new AssumeRoleCommand(input));
  assert.ok(Credentials?.AccessKeyId && Credentials.SecretAccessKey && Credentials.SessionToken);
  return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
}

async function callerArn(credentials: Keys): Promise<string | undefined> {
  return (await sts(credentials).send(new GetCallerIdentityCommand({}))).Arn;
}

/** Asserts the promise fails with this AWS error code, HTTP status and (optionally) exact message. */
async function rejectsWith(promise: Promise<unknown>, code: string, status: number, message?: string): Promise<void> {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, code);
    assert.equal(error.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

const DEV_READONLY = 'arn:aws:iam::222222222222:role/ReadOnly';
const PROD = (name: string) => `arn:aws:iam::333333333333:role/${name}`;

describe('signatures and keys', () => {
  test('a request signed with the wrong secret fails with SignatureDoesNotMatch', async () => {
    await rejectsWith(
      sts({ ...ALICE, secretAccessKey: 'not-alices-secret-0000000000000000000000' }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
    );
  });

  test('an unknown access key fails with InvalidClientTokenId', async () => {
    await rejectsWith(
      sts({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: ALICE.secretAccessKey }).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
      'The security token included in the request is invalid.',
    );
  });

  test('the signature covers the body: a signed request whose body was altered is rejected', async () => {
    const url = new URL(server.url);
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    // No x-amz-content-sha256 header, so only the signature itself protects the body.
    const signer = new SignatureV4({ credentials: ALICE, region: 'us-east-1', service: 'sts', sha256: Sha256, applyChecksum: false });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    const send = (payload: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(server.url, { method: 'POST', headers: signed.headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    const intact = await send(body);
    assert.equal(intact.status, 200);
    assert.match(intact.text, /<Arn>arn:aws:iam::111111111111:user\/alice<\/Arn>/);
    const altered = await send(body.replace('GetCallerIdentity', 'GetSessionToken'));
    assert.equal(altered.status, 403);
    assert.match(altered.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  test('session keys without their session token are rejected', async () => {
    const session = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'alice' });
    await rejectsWith(callerArn({ ...session, sessionToken: undefined }), 'InvalidClientTokenId', 403);
    await rejectsWith(callerArn({ ...session, sessionToken: session.sessionToken + 'x' }), 'InvalidClientTokenId', 403);
  });

  test('GetCallerIdentity names the IAM user for long-term keys', async () => {
    const identity = await sts(ALICE).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, 'arn:aws:iam::111111111111:user/alice');
    assert.equal(identity.Account, '111111111111');
    assert.match(identity.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
  });
});

describe('AssumeRole', () => {
  test('alice assumes dev/ReadOnly and the session is the assumed role', async () => {
    const output = await sts(ALICE).send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'alice' }));
    assert.equal(output.AssumedRoleUser?.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    assert.match(output.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:alice$/);
    assert.match(output.Credentials?.AccessKeyId ?? '', /^ASIA/);
    const lifetimeMs = (output.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
    assert.ok(lifetimeMs > 3590_000 && lifetimeMs <= 3600_000, `default session lasts an hour, got ${lifetimeMs} ms`);
    const session = {
      accessKeyId: output.Credentials!.AccessKeyId!,
      secretAccessKey: output.Credentials!.SecretAccessKey!,
      sessionToken: output.Credentials!.SessionToken,
    };
    const identity = await sts(session).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    assert.equal(identity.Account, '222222222222');
    assert.equal(identity.UserId, output.AssumedRoleUser?.AssumedRoleId);
  });

  test('a role whose trust policy names another account is denied with the AWS message', async () => {
    await rejectsWith(
      sts(ALICE).send(new AssumeRoleCommand({ RoleArn: PROD('BreakGlass'), RoleSessionName: 'alice' })),
      'AccessDenied',
      403,
      `User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: ${PROD('BreakGlass')}`,
    );
  });

  test('a service-only role cannot be assumed by a person', async () => {
    await rejectsWith(
      sts(ALICE).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/WebServer', RoleSessionName: 'alice' })),
      'AccessDenied',
      403,
    );
  });

  test('prod/Admin requires MFA: no code is denied, a wrong code fails MFA, the current TOTP code succeeds', async () => {
    const input = { RoleArn: PROD('Admin'), RoleSessionName: 'bob' };
    await rejectsWith(
      sts(BOB).send(new AssumeRoleCommand(input)),
      'AccessDenied',
      403,
      `User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: ${PROD('Admin')}`,
    );
    const current = totp(BOB_MFA.secret);
    const wrong = String((Number(current) + 500_000) % 1_000_000).padStart(6, '0');
    await rejectsWith(
      sts(BOB).send(new AssumeRoleCommand({ ...input, SerialNumber: BOB_MFA.serial, TokenCode: wrong })),
      'AccessDenied',
      403,
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
    const session = await assumeRole(BOB, {
      ...input,
      SerialNumber: BOB_MFA.serial,
      TokenCode: totp(BOB_MFA.secret),
      DurationSeconds: 43200,
    });
    assert.equal(await callerArn(session), 'arn:aws:sts::333333333333:assumed-role/Admin/bob');
  });

  test('MFA from a GetSessionToken session carries over to AssumeRole', async () => {
    const { Credentials } = await sts(BOB).send(
      new GetSessionTokenCommand({ SerialNumber: BOB_MFA.serial, TokenCode: totp(BOB_MFA.secret), DurationSeconds: 900 }),
    );
    const mfaSession = {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    };
    assert.equal(await callerArn(mfaSession), 'arn:aws:iam::111111111111:user/bob');
    const admin = await assumeRole(mfaSession, { RoleArn: PROD('Admin'), RoleSessionName: 'bob-mfa' });
    assert.equal(await callerArn(admin), 'arn:aws:sts::333333333333:assumed-role/Admin/bob-mfa');
    await rejectsWith(sts(mfaSession).send(new GetSessionTokenCommand({})), 'AccessDenied', 403);
  });

  test('dev/Deployer requires the external id: missing and wrong are denied, the right one succeeds', async () => {
    const input = { RoleArn: 'arn:aws:iam::222222222222:role/Deployer', RoleSessionName: 'ci' };
    await rejectsWith(sts(ALICE).send(new AssumeRoleCommand(input)), 'AccessDenied', 403);
    await rejectsWith(sts(ALICE).send(new AssumeRoleCommand({ ...input, ExternalId: 'someone-else' })), 'AccessDenied', 403);
    const session = await assumeRole(ALICE, { ...input, ExternalId: 'switchboard-ci', DurationSeconds: 7200 });
    assert.equal(await callerArn(session), 'arn:aws:sts::222222222222:assumed-role/Deployer/ci');
  });

  test('role chaining: dev/ReadOnly reaches prod/Auditor for an hour but not longer, and alice alone cannot', async () => {
    await rejectsWith(sts(ALICE).send(new AssumeRoleCommand({ RoleArn: PROD('Auditor'), RoleSessionName: 'alice' })), 'AccessDenied', 403);
    const readOnly = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'alice' });
    const auditor = await assumeRole(readOnly, { RoleArn: PROD('Auditor'), RoleSessionName: 'alice', DurationSeconds: 3600 });
    assert.equal(await callerArn(auditor), 'arn:aws:sts::333333333333:assumed-role/Auditor/alice');
    await rejectsWith(
      sts(readOnly).send(new AssumeRoleCommand({ RoleArn: PROD('Auditor'), RoleSessionName: 'alice', DurationSeconds: 3601 })),
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  });

  test('DurationSeconds above the role maximum is a ValidationError', async () => {
    await rejectsWith(
      sts(ALICE).send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'alice', DurationSeconds: 7200 })),
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  });

  test('session names must be 2 to 64 characters of [\\w+=,.@-]', async () => {
    await rejectsWith(
      sts(ALICE).send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'a' })),
      'ValidationError',
      400,
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    await rejectsWith(
      sts(ALICE).send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'alice smith' })),
      'ValidationError',
      400,
    );
  });

  test('credentials expire when the server clock passes their expiration', async () => {
    const session = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'short', DurationSeconds: 900 });
    assert.equal(await callerArn(session), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/short');
    server.advanceClock(901_000);
    await rejectsWith(callerArn(session), 'ExpiredToken', 403, 'The security token included in the request is expired');
    assert.equal(await callerArn(ALICE), 'arn:aws:iam::111111111111:user/alice', 'long-term keys do not expire');
  });
});

describe('IAM', () => {
  test('ListRoles pages through the caller account with Marker and MaxItems', async () => {
    const devSession = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'lister' });
    const client = iam(devSession);
    const seen: Role[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListRolesCommand({ MaxItems: 4, Marker: marker }));
      assert.ok((page.Roles ?? []).length <= 4);
      seen.push(...(page.Roles ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
      assert.equal(page.IsTruncated, marker !== undefined);
      pages++;
    } while (marker);
    assert.equal(pages, 2);
    assert.deepEqual(
      seen.map((r) => r.RoleName),
      ['Deployer', 'Developer', 'ReadOnly', 'VaultS3', 'WebIdentityChained', 'WebIdentityDeploy', 'WebServer'],
    );
    const vaultRole = seen.find((r) => r.RoleName === 'VaultS3');
    assert.equal(vaultRole?.Arn, 'arn:aws:iam::222222222222:role/vault/VaultS3');
    assert.equal(vaultRole?.Path, '/vault/');
    const trust = JSON.parse(decodeURIComponent(vaultRole?.AssumeRolePolicyDocument ?? '')) as {
      Statement: { Principal: { AWS: string } }[];
    };
    assert.equal(trust.Statement[0].Principal.AWS, 'arn:aws:iam::111111111111:user/service/vault-root');
    const filtered = await client.send(new ListRolesCommand({ PathPrefix: '/vault/' }));
    assert.deepEqual(
      filtered.Roles?.map((r) => r.RoleName),
      ['VaultS3'],
    );
  });

  test('an iamAdmin user creates a user and key that works after propagation, and deleting it revokes the key', async () => {
    const admin = iam(VAULT_ROOT);
    const userName = `vault-token-test-${Date.now()}`;
    const created = await admin.send(
      new CreateUserCommand({ UserName: userName, Path: '/vault/', Tags: [{ Key: 'owner', Value: 'vault' }] }),
    );
    assert.equal(created.User?.Arn, `arn:aws:iam::111111111111:user/vault/${userName}`);
    const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
    const keys = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    assert.ok(server.issuedSecrets().includes(keys.secretAccessKey));
    await rejectsWith(callerArn(keys), 'InvalidClientTokenId', 403);
    await new Promise((resolve) => setTimeout(resolve, KEY_PROPAGATION_MS + 50));
    assert.equal(await callerArn(keys), `arn:aws:iam::111111111111:user/vault/${userName}`);
    // AWS sends the code DeleteConflict; the IAM client names its modeled error class DeleteConflictException.
    await rejectsWith(
      admin.send(new DeleteUserCommand({ UserName: userName })),
      'DeleteConflictException',
      409,
      'Cannot delete entity, must delete access keys first.',
    );
    await admin.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: keys.accessKeyId }));
    await admin.send(new DeleteUserCommand({ UserName: userName }));
    await rejectsWith(callerArn(keys), 'InvalidClientTokenId', 403);
  });

  test('a user without iamAdmin cannot create users', async () => {
    await rejectsWith(
      iam(ALICE).send(new CreateUserCommand({ UserName: 'mallory' })),
      'AccessDenied',
      403,
      'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111111111111:user/mallory',
    );
  });
});

describe('GetFederationToken and console federation', () => {
  const signinToken = (keys: Keys, extra = '') => {
    const session = JSON.stringify({ sessionId: keys.accessKeyId, sessionKey: keys.secretAccessKey, sessionToken: keys.sessionToken });
    return fetch(`${server.url}/federation?Action=getSigninToken&Session=${encodeURIComponent(session)}${extra}`);
  };

  test('a federation token names the federated user and cannot be obtained with session credentials', async () => {
    const output = await sts(VAULT_ROOT).send(
      new GetFederationTokenCommand({ Name: 'vault-fed', DurationSeconds: 900, Policy: '{"Version":"2012-10-17","Statement":[]}' }),
    );
    assert.equal(output.FederatedUser?.Arn, 'arn:aws:sts::111111111111:federated-user/vault-fed');
    const keys = {
      accessKeyId: output.Credentials!.AccessKeyId!,
      secretAccessKey: output.Credentials!.SecretAccessKey!,
      sessionToken: output.Credentials!.SessionToken,
    };
    assert.equal(await callerArn(keys), 'arn:aws:sts::111111111111:federated-user/vault-fed');
    await rejectsWith(sts(keys).send(new GetFederationTokenCommand({ Name: 'again' })), 'AccessDenied', 403);
  });

  test('role credentials trade for a sign-in token and the login page names the assumed role', async () => {
    const session = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'console' });
    const response = await signinToken(session, '&SessionDuration=3600');
    assert.equal(response.status, 200);
    const { SigninToken } = (await response.json()) as { SigninToken: string };
    const destination = encodeURIComponent('https://console.aws.amazon.com/s3/home');
    const page = await fetch(
      `${server.url}/federation?Action=login&Issuer=switchboard&Destination=${destination}&SigninToken=${encodeURIComponent(SigninToken)}`,
    );
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Signed in to the AWS console as arn:aws:sts::222222222222:assumed-role\/ReadOnly\/console</);
    const forged = await fetch(`${server.url}/federation?Action=login&SigninToken=${encodeURIComponent(SigninToken + 'x')}`);
    assert.equal(forged.status, 400);
  });

  test('long-term keys, and SessionDuration with chained credentials, are refused', async () => {
    assert.equal((await signinToken(ALICE)).status, 400);
    const readOnly = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'alice' });
    const chained = await assumeRole(readOnly, { RoleArn: PROD('Auditor'), RoleSessionName: 'alice' });
    assert.equal((await signinToken(chained, '&SessionDuration=3600')).status, 400);
    assert.equal((await signinToken(chained)).status, 200);
  });
});

describe('failure switch', () => {
  test('throttling is retried by the SDK and only affects the requested number of requests', async () => {
    server.setFailure({ mode: 'throttle' }, 2);
    const output = await sts(ALICE).send(new GetCallerIdentityCommand({}));
    assert.equal(output.$metadata.attempts, 3);
    assert.equal(output.Arn, 'arn:aws:iam::111111111111:user/alice');
    const next = await sts(ALICE).send(new GetCallerIdentityCommand({}));
    assert.equal(next.$metadata.attempts, 1, 'the switch cleared itself after two requests');
  });

  test('persistent throttling surfaces as Throttling after the SDK gives up', async () => {
    server.setFailure({ mode: 'throttle' });
    try {
      await rejectsWith(sts(ALICE).send(new GetCallerIdentityCommand({})), 'Throttling', 400, 'Rate exceeded');
    } finally {
      server.setFailure(undefined);
    }
  });

  test('a 503 with AWS-style XML is retried, then reported as ServiceUnavailable', async () => {
    server.setFailure({ mode: 'error', status: 503 });
    try {
      const failing = sts(ALICE).send(new GetCallerIdentityCommand({}));
      await rejectsWith(failing, 'ServiceUnavailable', 503);
      await failing.catch((error: { $metadata?: { attempts?: number } }) => assert.equal(error.$metadata?.attempts, 3));
    } finally {
      server.setFailure(undefined);
    }
  });

  test('the control endpoint sets failures from another process and lists issued secrets', async () => {
    const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post('/__test/failure', { mode: 'reset', count: 1 })).status, 200);
    const output = await sts(ALICE).send(new GetCallerIdentityCommand({}));
    assert.equal(output.$metadata.attempts, 2, 'the reset connection was retried once');
    const session = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'scan' });
    const issued = (await (await fetch(`${server.url}/__test/issued`)).json()) as string[];
    assert.ok(issued.includes(session.sessionToken!) && issued.includes(session.secretAccessKey));
    assert.ok(!issued.includes(ALICE.secretAccessKey), "the world's own keys were not issued by the server");
  });
});

test('the real AWS CLI prints the assumed-role ARN for session credentials in its environment', async () => {
  const session = await assumeRole(ALICE, { RoleArn: DEV_READONLY, RoleSessionName: 'cli' });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken ?? '',
  };
  const { stdout } = await promisify(execFile)(
    '/usr/bin/aws',
    ['sts', 'get-caller-identity', '--endpoint-url', server.url, '--output', 'json'],
    { env },
  );
  const identity = JSON.parse(stdout) as { Arn: string; Account: string };
  assert.equal(identity.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/cli');
  assert.equal(identity.Account, '222222222222');
});
