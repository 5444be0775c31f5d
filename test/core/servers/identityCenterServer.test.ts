// The local Identity Center's wire format as AWS answers it, checked below the SDK: error type headers, OAuth
// error bodies on the OIDC API, `{"message"}` bodies on the portal, status codes, and opaque page tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';

let aws: AwsServer;
let sso: SsoServer;

async function post(path: string, body: unknown): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const response = await fetch(`${sso.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function portalGet(path: string, token: string | undefined) {
  const response = await fetch(`${sso.url}${path}`, { headers: token ? { 'x-amz-sso_bearer_token': token } : {} });
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function accessToken(): Promise<string> {
  const client = (await post('/client/register', { clientName: 'raw', clientType: 'public', scopes: ['sso:account:access'] })).json;
  const device = (
    await post('/device_authorization', { clientId: client.clientId, clientSecret: client.clientSecret, startUrl: sso.startUrl })
  ).json;
  await fetch(`${sso.url}/device`, {
    method: 'POST',
    body: new URLSearchParams({ user_code: String(device.userCode), username: 'bob', password: 'bob-sso-password' }),
  });
  const token = await post('/token', {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    grantType: 'urn:ietf:params:oauth:grant-type:device_code',
    deviceCode: device.deviceCode,
  });
  assert.equal(token.status, 200);
  return String(token.json.accessToken);
}

before(async () => {
  aws = await startAwsServer();
  sso = await startSsoServer({ identities: aws.identities });
});
after(async () => {
  await sso.close();
  await aws.close();
});

describe('local Identity Center wire format', () => {
  it('answers OIDC errors with the exception in x-amzn-ErrorType and an OAuth error body', async () => {
    const unknownClient = await post('/token', { clientId: 'nope', clientSecret: 'nope', grantType: 'refresh_token', refreshToken: 'x' });
    assert.deepEqual(
      [unknownClient.status, unknownClient.type, unknownClient.json.error],
      [401, 'InvalidClientException', 'invalid_client'],
    );
    const client = (await post('/client/register', { clientName: 'raw', clientType: 'public' })).json;
    assert.equal(typeof client.clientIdIssuedAt, 'number');
    assert.ok(Number(client.clientSecretExpiresAt) > Number(client.clientIdIssuedAt) + 89 * 86400);
    const badGrant = await post('/token', { clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'password' });
    assert.deepEqual(
      [badGrant.status, badGrant.type, badGrant.json.error],
      [400, 'UnsupportedGrantTypeException', 'unsupported_grant_type'],
    );
    const badUrl = await post('/device_authorization', {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      startUrl: 'https://elsewhere/start',
    });
    assert.deepEqual([badUrl.status, badUrl.type], [400, 'InvalidRequestException']);
    const confidential = await post('/client/register', { clientName: 'raw', clientType: 'confidential' });
    assert.deepEqual([confidential.status, confidential.type], [400, 'InvalidClientMetadataException']);
  });

  it('gives no refresh token to a client registered without sso:account:access', async () => {
    const client = (await post('/client/register', { clientName: 'legacy', clientType: 'public' })).json;
    const device = (
      await post('/device_authorization', { clientId: client.clientId, clientSecret: client.clientSecret, startUrl: sso.startUrl })
    ).json;
    await fetch(`${sso.url}/device`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: String(device.userCode), username: 'bob', password: 'bob-sso-password' }),
    });
    const token = await post('/token', {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      grantType: 'urn:ietf:params:oauth:grant-type:device_code',
      deviceCode: device.deviceCode,
    });
    assert.equal(token.json.tokenType, 'Bearer');
    assert.equal(token.json.refreshToken, undefined);
    const again = await post('/token', {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      grantType: 'urn:ietf:params:oauth:grant-type:device_code',
      deviceCode: device.deviceCode,
    });
    assert.deepEqual([again.status, again.type], [400, 'InvalidGrantException'], 'a device code is good for one token');
  });

  it('answers portal errors with {"message"} and the exception type', async () => {
    const none = await portalGet('/assignment/accounts', undefined);
    assert.deepEqual(
      [none.status, none.type, none.json],
      [401, 'UnauthorizedException', { message: 'Session token not found or invalid' }],
    );
    const token = await accessToken();
    const forbidden = await portalGet('/federation/credentials?account_id=111111111111&role_name=ReadOnlyAccess', token);
    assert.deepEqual([forbidden.status, forbidden.type], [403, 'ForbiddenException']);
    const badPage = await portalGet('/assignment/accounts?next_token=garbage', token);
    assert.deepEqual([badPage.status, badPage.type], [400, 'InvalidRequestException']);
    sso.setThrottle({ count: 1 });
    const throttled = await portalGet('/assignment/accounts', token);
    assert.deepEqual([throttled.status, throttled.type], [429, 'TooManyRequestsException']);
    assert.equal((await portalGet('/assignment/accounts', token)).status, 200, 'count: 1 throttles one request');
  });

  it('lists only the accounts assigned to the signed-in person, with opaque page tokens', async () => {
    const token = await accessToken();
    const first = await portalGet('/assignment/accounts?max_result=1', token);
    assert.deepEqual(first.json.accountList, [{ accountId: '222222222222', accountName: 'dev', emailAddress: 'aws-dev@example.com' }]);
    assert.equal(typeof first.json.nextToken, 'string');
    const second = await portalGet(
      `/assignment/accounts?max_result=1&next_token=${encodeURIComponent(String(first.json.nextToken))}`,
      token,
    );
    assert.deepEqual(
      (second.json.accountList as { accountName: string }[]).map((a) => a.accountName),
      ['prod'],
    );
    assert.equal(second.json.nextToken, undefined);
  });

  it('ends the token expiry with the clock: an 8-hour token is refused after 8 hours', async () => {
    const token = await accessToken();
    assert.equal((await portalGet('/assignment/accounts', token)).status, 200);
    sso.advanceClock(8 * 3600_000);
    assert.equal((await portalGet('/assignment/accounts', token)).type, 'UnauthorizedException');
  });
});
