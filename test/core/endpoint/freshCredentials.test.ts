// Issue 18, hole 1, at the endpoint: whatever the edge answers a refresh with, a token is never served another
// principal (account and role) than the identity it refreshes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { principalOf, samePrincipal } from '../../../src/core/endpoint/freshCredentials';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import type { Identity } from '../../../src/core/session';
import { type EndpointWorld, get, startEndpointWorld, TestProvider } from '../../support/endpointWorld';

const MINUTE = 60_000;

describe('fresh credentials: the same principal or nothing', () => {
  let world: EndpointWorld;
  before(async () => {
    world = await startEndpointWorld();
  });
  after(() => world.close());

  it("a refresh that answers with another role's credentials is not served, and the log says what happened", async () => {
    const dev = await world.assume('dev-readonly-plain', { lifetimeMs: 4 * MINUTE });
    const prod = await world.assume('prod-auditor');
    const provider = new TestProvider(world);
    provider.refreshWith = async () => prod; // what the edge answered when a switch landed during the refresh
    let offsetMs = 0;
    const logs: string[] = [];
    const endpoint = new CredentialEndpoint({ provider, log: (l) => logs.push(l), now: () => Date.now() + offsetMs });
    const { url } = await endpoint.start();
    try {
      const token = endpoint.issueToken({ kind: 'pinned', identity: dev });
      const headers = { Authorization: token };
      offsetMs = 3 * MINUTE; // within the refresh margin, still usable
      const during = await get(url, headers);
      assert.equal(during.body.AccessKeyId, dev.credentials.accessKeyId, "dev's own keys, still valid, not prod's");
      offsetMs = 4 * MINUTE; // dev's keys ended: a refusal, never prod
      const ended = await get(url, headers);
      assert.equal(ended.status, 503);
      assert.equal(ended.body.Code, 'IdentityChanged');
      assert.notEqual(ended.body.AccessKeyId, prod.credentials.accessKeyId);
      assert.ok(logs.some((l) => l.includes('refreshing dev-readonly-plain failed (IdentityChanged)')));
      assert.ok(!logs.some((l) => l.includes('refreshed dev-readonly-plain')), 'no "refreshed" line for a refresh that was not served');
    } finally {
      await endpoint.stop();
    }
  });

  it('the principal is the account and role: new keys and session names keep it, another role or account does not', async () => {
    const dev = await world.assume('dev-readonly');
    const devAgain = await world.assume('dev-readonly-plain'); // same role, another session name
    const prod = await world.assume('prod-auditor');
    assert.ok(samePrincipal(devAgain, dev));
    assert.ok(!samePrincipal(prod, dev));
    const sso = (accountId: string, roleName: string): Identity => ({
      label: `${accountId}/${roleName}`,
      accountId,
      region: 'eu-west-1',
      credentials: dev.credentials,
      origin: { kind: 'sso', startUrl: 'https://d-1.awsapps.com/start', accountId, roleName },
    });
    assert.ok(samePrincipal(sso('222222222222', 'ReadOnlyAccess'), sso('222222222222', 'ReadOnlyAccess')));
    assert.ok(!samePrincipal(sso('333333333333', 'ReadOnlyAccess'), sso('222222222222', 'ReadOnlyAccess')));
    assert.ok(!samePrincipal(sso('222222222222', 'AdministratorAccess'), sso('222222222222', 'ReadOnlyAccess')));
    // An STS answer that names another account than the origin's is not the same principal either.
    assert.ok(!samePrincipal({ ...dev, arn: 'arn:aws:sts::333333333333:assumed-role/ReadOnly/alice' }, dev));
    assert.equal(principalOf(dev), 'role 222222222222 role ReadOnly');
  });
});
