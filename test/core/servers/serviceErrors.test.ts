// Errors real AWS sends that the local world does not produce by itself, put on the wire by the failure switches
// with botocore's statuses and shapes, read by the real SDK clients, and turned by the product into one sentence
// with a next step (src/core/aws/errors.ts, src/core/identityCenter/errors.ts). Plus the Identity Center portal's
// strictness: page sizes above 100 refused, and a request id on every answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCredentialsCommand, ListAccountsCommand, SSOClient } from '@aws-sdk/client-sso';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { toUserError } from '../../../src/core/aws/errors';
import { toIdentityCenterError } from '../../../src/core/identityCenter/errors';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type ServiceErrorCode } from '../../servers/aws/errors';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { type FailureType } from '../../servers/sso/http';
import { type Keys, boto3Call, boto3Skip } from './realClients';

const ALICE: Keys = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const DEV_READONLY = 'arn:aws:iam::222222222222:role/ReadOnly';
const WEB_ROLE = 'arn:aws:iam::222222222222:role/WebIdentityDeploy';

let aws: AwsServer;
let sso: SsoServer;
before(async () => {
  aws = await startAwsServer();
  sso = await startSsoServer({ identities: aws.identities });
});
after(async () => {
  await sso.close();
  await aws.close();
});

type WireError = Error & { $metadata?: { httpStatusCode?: number; requestId?: string } };

async function caught(promise: Promise<unknown>): Promise<WireError> {
  try {
    await promise;
  } catch (error) {
    return error as WireError;
  }
  throw new Error('the call succeeded');
}

/** The next request answers with this AWS error; returns what the SDK made of it. */
async function stsFailure(code: ServiceErrorCode, call: (client: STSClient) => Promise<unknown>): Promise<WireError> {
  aws.setFailure({ mode: 'awsError', code }, 1);
  const client = new STSClient({ endpoint: aws.url, region: 'us-east-1', credentials: ALICE, maxAttempts: 1 });
  return caught(call(client));
}

const assumeDev = (client: STSClient) => client.send(new AssumeRoleCommand({ RoleArn: DEV_READONLY, RoleSessionName: 'errors' }));
const ctx = { action: 'AssumeRole' as const, roleArn: DEV_READONLY, source: 'profile default', endpoint: 'the local STS' };

describe('STS errors from the failure switch, and the product’s sentence for each', () => {
  test('RegionDisabledException is HTTP 403, and the sentence says to activate the region or pick another', async () => {
    const error = await stsFailure('RegionDisabledException', assumeDev);
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['RegionDisabledException', 403]);
    const sentence = toUserError(error, ctx);
    assert.equal(
      sentence.message,
      `STS is not activated in this region for the account of ${DEV_READONLY}: activate the region in the account's IAM settings, or set iamSwitchboard.region to another region.`,
    );
  });

  test('PackedPolicyTooLarge is HTTP 400, and the sentence says what to shrink', async () => {
    const error = await stsFailure('PackedPolicyTooLarge', assumeDev);
    // The SDK names the exception class; the wire code is PackedPolicyTooLarge (botocore sts model).
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['PackedPolicyTooLargeException', 400]);
    const sentence = toUserError(error, ctx);
    assert.equal(sentence.code, 'PackedPolicyTooLarge');
    assert.match(
      sentence.message,
      /^AWS refused to assume .*ReadOnly because its session tags and policies are too large .*: remove session tags/,
    );
  });

  test('IDPRejectedClaim on AssumeRoleWithWebIdentity is HTTP 403, and the sentence points at the provider and token', async () => {
    const error = await stsFailure('IDPRejectedClaim', (client) =>
      client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: WEB_ROLE, RoleSessionName: 'web', WebIdentityToken: 'x'.repeat(20) })),
    );
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['IDPRejectedClaimException', 403]);
    const sentence = toUserError(error, {
      action: 'AssumeRoleWithWebIdentity',
      roleArn: WEB_ROLE,
      source: 'web identity token file /var/run/token',
    });
    assert.equal(sentence.code, 'IDPRejectedClaim');
    assert.match(
      sentence.message,
      /^The identity provider rejected the token in the web identity token file \/var\/run\/token .*: check the provider/,
    );
  });

  test('boto3 reads the same codes and statuses', { skip: boto3Skip }, async () => {
    for (const [code, status] of [
      ['RegionDisabledException', 403],
      ['PackedPolicyTooLarge', 400],
    ] as const) {
      aws.setFailure({ mode: 'awsError', code }, 1);
      const answer = await boto3Call(aws.url, ALICE, 'sts', 'assume_role', { RoleArn: DEV_READONLY, RoleSessionName: 'py' });
      assert.deepEqual([answer.error?.Code, answer.status], [code, status]);
    }
  });
});

describe('the AssumeRole refusal names both policies that can refuse (hole 13)', () => {
  test('the sentence names the role’s trust policy in its account and the caller’s own policies', async () => {
    const error = await caught(
      new STSClient({
        endpoint: aws.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIALOCALERIN0000001', secretAccessKey: 'erinLocalSecretKey000000000000000000000E' },
      }).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/ReadOnly', RoleSessionName: 'erin' })),
    );
    const sentence = toUserError(error, { ...ctx, roleArn: 'arn:aws:iam::333333333333:role/ReadOnly', source: 'profile erin' });
    assert.equal(
      sentence.message,
      "profile erin is not allowed to assume arn:aws:iam::333333333333:role/ReadOnly: check that the role's trust policy in account 333333333333 lets it in (with any MFA or external ID condition), and that its own policies in its account allow sts:AssumeRole on this role with no Deny, or pick another role.",
    );
  });
});

describe('IAM Identity Center: failures, page sizes and request ids', () => {
  const instance = () => ({ startUrl: sso.startUrl, region: sso.region });
  const oidc = () => new SSOOIDCClient({ endpoint: sso.url, region: sso.region, maxAttempts: 1 });
  const portal = () => new SSOClient({ endpoint: sso.url, region: sso.region, maxAttempts: 1 });

  async function tokenFailure(type: FailureType): Promise<WireError> {
    const client = await oidc().send(new RegisterClientCommand({ clientName: 'errors', clientType: 'public' }));
    sso.setFailure(type);
    return caught(
      oidc().send(
        new CreateTokenCommand({
          clientId: client.clientId!,
          clientSecret: client.clientSecret!,
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          deviceCode: 'unused',
        }),
      ),
    );
  }

  test('InvalidScopeException on CreateToken is HTTP 400, and the sentence asks the administrator for the scope', async () => {
    const error = await tokenFailure('InvalidScopeException');
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['InvalidScopeException', 400]);
    assert.ok(error.$metadata?.requestId, 'the error names its request');
    const sentence = toIdentityCenterError(error, { action: 'CreateToken', instance: instance() });
    assert.equal(sentence.code, 'SsoInvalidScope');
    assert.match(sentence.message, /does not grant the access-portal scope .*sso:account:access.*: ask your administrator/);
  });

  test('UnauthorizedClientException on CreateToken is HTTP 400, and the sentence says to sign in again', async () => {
    const error = await tokenFailure('UnauthorizedClientException');
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['UnauthorizedClientException', 400]);
    const sentence = toIdentityCenterError(error, { action: 'CreateToken', instance: instance() });
    assert.equal(
      sentence.message,
      "IAM Identity Center no longer accepts this app's registration: run 'Sign in to IAM Identity Center' again.",
    );
  });

  test('ResourceNotFoundException on GetRoleCredentials is HTTP 404, and the sentence names the permission set', async () => {
    sso.setFailure('ResourceNotFoundException');
    const error = await caught(
      portal().send(new GetRoleCredentialsCommand({ accessToken: 'any', accountId: '222222222222', roleName: 'ReadOnlyAccess' })),
    );
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['ResourceNotFoundException', 404]);
    const sentence = toIdentityCenterError(error, {
      action: 'GetRoleCredentials',
      instance: instance(),
      accountId: '222222222222',
      roleName: 'ReadOnlyAccess',
    });
    assert.match(sentence.message, /^You do not have ReadOnlyAccess in account 222222222222 \(any more\): refresh/);
  });

  /** A signed-in access token for bob, through the device flow and the verification page. */
  async function accessToken(): Promise<string> {
    const client = await oidc().send(new RegisterClientCommand({ clientName: 'pages', clientType: 'public' }));
    const secrets = { clientId: client.clientId!, clientSecret: client.clientSecret! };
    const device = await oidc().send(new StartDeviceAuthorizationCommand({ ...secrets, startUrl: sso.startUrl }));
    await fetch(`${sso.url}/device`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: device.userCode!, username: 'bob', password: 'bob-sso-password' }),
    });
    const grantType = 'urn:ietf:params:oauth:grant-type:device_code';
    return (await oidc().send(new CreateTokenCommand({ ...secrets, grantType, deviceCode: device.deviceCode! }))).accessToken!;
  }

  test('a page size above 100 is refused as a validation error, with a request id; 100 is served', async () => {
    const token = await accessToken();
    const error = await caught(portal().send(new ListAccountsCommand({ accessToken: token, maxResults: 101 })));
    assert.deepEqual([error.name, error.$metadata?.httpStatusCode], ['InvalidRequestException', 400]);
    assert.match(
      error.message,
      /Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100/,
    );
    assert.ok(error.$metadata?.requestId);
    const served = await portal().send(new ListAccountsCommand({ accessToken: token, maxResults: 100 }));
    assert.ok((served.accountList?.length ?? 0) > 0);
  });

  test('RegisterClient and every other answer carry x-amzn-RequestId', async () => {
    const registered = await oidc().send(new RegisterClientCommand({ clientName: 'ids', clientType: 'public' }));
    assert.match(registered.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    const unknown = await fetch(`${sso.url}/no/such/route`);
    assert.ok(unknown.headers.get('x-amzn-requestid'));
  });
});
