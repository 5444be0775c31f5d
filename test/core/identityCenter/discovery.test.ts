// Discovery of accounts and permission sets through the portal API, at the size of a big organisation (1,000
// accounts × 3 permission sets), with pagination, throttling, the names-only cache for globalState and the tree
// data built from it; and role credentials that work at the local STS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  IdentityCenter,
  type DeviceCode,
  directoryCatalog,
  filterAccounts,
  parseDirectory,
  toCached,
} from '../../../src/core/identityCenter';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { getCallerIdentity } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, reservedRoleName, startSsoServer } from '../../servers/sso';
import { MemorySecrets, approveOnPage, instanceOf, settingsFor } from '../../support/identityCenter';
import { rejectsWith } from '../rejectsWith';

let aws: AwsServer;
let big: SsoServer;
let demo: SsoServer;
let bigCenter: IdentityCenter;
/** The big world's server enforces no quota in these tests, so discovery need not pace to one. */
const UNPACED = { requestsPerSecond: Infinity };
let demoCenter: IdentityCenter;

async function signedIn(server: SsoServer): Promise<IdentityCenter> {
  const center = new IdentityCenter(instanceOf(server), new MemorySecrets(), settingsFor(server), { useAwsCliCache: false });
  let code: DeviceCode | undefined;
  await center.signIn({
    onCode: (c) => void (code = c),
    sleep: async (ms) => {
      server.advanceClock(ms);
      await approveOnPage(code!);
    },
  });
  return center;
}

before(async () => {
  aws = await startAwsServer();
  big = await startSsoServer({ identities: aws.identities, generatedAccounts: 1000 });
  demo = await startSsoServer({ identities: aws.identities });
  bigCenter = await signedIn(big);
  demoCenter = await signedIn(demo);
});
after(async () => {
  await big.close();
  await demo.close();
  await aws.close();
});

describe('discovery', () => {
  it('finds all 1,000 accounts and their 3 permission sets across ListAccounts pages', async () => {
    const before = big.stats().portalRequests;
    const directory = await bigCenter.discover(UNPACED);
    assert.equal(directory.accounts.length, 1000);
    assert.equal(new Set(directory.accounts.map((a) => a.id)).size, 1000);
    for (const account of directory.accounts) {
      assert.deepEqual(account.roles, ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess']);
    }
    assert.equal(directory.accounts[0].name, 'workload-0000');
    assert.equal(directory.accounts[0].email, 'aws+workload-0@example.com');
    assert.equal(big.stats().portalRequests - before, 10 + 1000, '10 pages of 100 accounts, one ListAccountRoles each');
  });

  it('follows nextToken on ListAccountRoles as well when pages are small', async () => {
    const before = demo.stats().portalRequests;
    const directory = await demoCenter.discover({ pageSize: 2 });
    const dev = directory.accounts.find((a) => a.id === '222222222222');
    assert.deepEqual(dev?.roles, ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess']);
    assert.deepEqual(
      directory.accounts.map((a) => a.name),
      ['central', 'dev', 'prod', 'sandbox', 'security', 'staging'],
    );
    // 3 ListAccounts pages of 2; then one ListAccountRoles page per 2 permission sets of each account.
    const rolePages = Object.values(demo.world.users[0].assignments).reduce((sum, sets) => sum + Math.ceil(sets.length / 2), 0);
    assert.equal(rolePages, 7);
    assert.equal(demo.stats().portalRequests - before, 3 + rolePages);
  });

  it('retries throttled requests with backoff and still finds every account', async () => {
    // Every fourth arrival is refused, whatever it is: each retry has a one-in-four chance to be refused again. With
    // the default 8 tries one of 1,000 requests runs out about once in 65 runs; with 16, never in practice.
    big.setThrottle({ every: 4 });
    const before = big.stats();
    try {
      const directory = await bigCenter.discover({ ...UNPACED, backoffBaseMs: 2, maxAttempts: 16 });
      assert.equal(directory.accounts.length, 1000);
      assert.ok(directory.accounts.every((a) => a.roles.length === 3));
    } finally {
      big.setThrottle(undefined);
    }
    const throttled = big.stats().throttled - before.throttled;
    assert.ok(throttled >= 250, `every fourth request was throttled (${throttled})`);
  });

  it('gives up with SsoThrottled when throttling does not stop', async () => {
    big.setThrottle({ every: 1 });
    try {
      const error = await rejectsWith(bigCenter.discover({ ...UNPACED, backoffBaseMs: 1, maxAttempts: 3 }), 'SsoThrottled');
      assert.match(error.message, /wait a minute/);
    } finally {
      big.setThrottle(undefined);
    }
  });
});

describe('cache and tree', () => {
  it('keeps names only: no token, secret or credential the servers issued is in the cached shape', async () => {
    const directory = await demoCenter.discover();
    await demoCenter.credentials({ accountId: '222222222222', roleName: 'ReadOnlyAccess' });
    const text = JSON.stringify(toCached(directory));
    const secrets = [...demo.issuedSecrets(), ...aws.issuedSecrets()];
    assert.ok(secrets.length > 5);
    for (const secret of secrets) assert.ok(!text.includes(secret));
    assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['accounts', 'fetchedAt', 'region', 'startUrl']);
  });

  it('parses a stored directory field by field, dropping anything else that rode along', () => {
    const stored = {
      startUrl: demo.startUrl,
      region: 'us-east-1',
      fetchedAt: '2026-12-01T10:00:00.000Z',
      accessToken: 'leaked',
      accounts: [
        { id: '222222222222', name: 'dev', email: 'aws-dev@example.com', roles: ['ReadOnlyAccess', 7], secret: 'leaked' },
        { id: 'not-an-id', name: 'bad', roles: [] },
      ],
    };
    const parsed = parseDirectory(JSON.parse(JSON.stringify(stored)));
    assert.deepEqual(parsed, {
      startUrl: demo.startUrl,
      region: 'us-east-1',
      fetchedAt: '2026-12-01T10:00:00.000Z',
      accounts: [{ id: '222222222222', name: 'dev', email: 'aws-dev@example.com', roles: ['ReadOnlyAccess'] }],
    });
    assert.equal(parseDirectory({ startUrl: 'x' }), undefined);
    assert.equal(parseDirectory(undefined), undefined);
  });

  it('builds tree roles from the cache, named by account, with hidden accounts left out', async () => {
    const directory = parseDirectory(JSON.parse(JSON.stringify(await demoCenter.discover())))!;
    const { roles, accounts } = directoryCatalog(directory, ['555555555555', 'sandbox']);
    const catalog = buildCatalog({ profiles: new Map(), identityCenterRoles: roles, identityCenterAccounts: accounts });
    assert.deepEqual(
      catalog.accounts.map((a) => a.alias),
      ['central', 'dev', 'prod', 'staging'],
    );
    const dev = catalog.accounts.find((a) => a.id === '222222222222')!;
    assert.equal(dev.label, 'aws-dev@example.com');
    assert.deepEqual(
      dev.roles.map((r) => r.label),
      ['dev/AdministratorAccess', 'dev/PowerUserAccess', 'dev/ReadOnlyAccess'],
    );
    assert.deepEqual(dev.roles[2].sso, {
      startUrl: demo.startUrl,
      region: 'us-east-1',
      accountId: '222222222222',
      roleName: 'ReadOnlyAccess',
    });
    assert.equal(dev.roles[2].origin, 'identityCenter');
  });

  it('filters accounts by name or id, in any case', async () => {
    const { accounts } = await demoCenter.discover();
    assert.deepEqual(
      filterAccounts(accounts, 'PRO').map((a) => a.name),
      ['prod'],
    );
    assert.deepEqual(
      filterAccounts(accounts, '4444').map((a) => a.name),
      ['staging'],
    );
    assert.equal(filterAccounts(accounts, '  ').length, 6);
  });
});

describe('role credentials', () => {
  it('gives an identity whose credentials work at the local STS as the permission set role', async () => {
    const identity = await demoCenter.credentials({
      accountId: '222222222222',
      roleName: 'ReadOnlyAccess',
      label: 'dev/ReadOnlyAccess',
      region: 'eu-west-1',
    });
    assert.deepEqual(identity.origin, { kind: 'sso', startUrl: demo.startUrl, accountId: '222222222222', roleName: 'ReadOnlyAccess' });
    assert.equal(identity.label, 'dev/ReadOnlyAccess');
    assert.equal(identity.region, 'eu-west-1');
    assert.ok(identity.credentials.expiration!.getTime() > Date.now() + 50 * 60_000);
    const caller = await getCallerIdentity(identity.credentials, { endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000 });
    assert.equal(caller.account, '222222222222');
    assert.equal(caller.arn, `arn:aws:sts::222222222222:assumed-role/${reservedRoleName('ReadOnlyAccess')}/alice`);
    assert.match(reservedRoleName('ReadOnlyAccess'), /^AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}$/);
  });

  it('says SsoRoleNotAssigned for a permission set the person does not have there', async () => {
    const error = await rejectsWith(
      demoCenter.credentials({ accountId: '555555555555', roleName: 'AdministratorAccess' }),
      'SsoRoleNotAssigned',
    );
    assert.match(error.message, /AdministratorAccess in account 555555555555/);
  });
});
