// Discovery paced to the portal's request quota: an organisation of 665 accounts × 3 permission sets against the
// local Identity Center enforcing a quota (scaled up from AWS's 20/s so the test takes seconds: the pacing is the
// same arithmetic at any rate), and the backoff when the portal throttles anyway.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DeviceCode, IdentityCenter } from '../../../src/core/identityCenter';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { MemorySecrets, approveOnPage, instanceOf, settingsFor } from '../../support/identityCenter';
import { rejectsWith } from '../rejectsWith';

let aws: AwsServer;
let big: SsoServer;
let demo: SsoServer;
let bigCenter: IdentityCenter;
let demoCenter: IdentityCenter;
const ACCOUNTS = 665;
const QUOTA = 250;

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
  big = await startSsoServer({ identities: aws.identities, generatedAccounts: ACCOUNTS });
  demo = await startSsoServer({ identities: aws.identities });
  bigCenter = await signedIn(big);
  demoCenter = await signedIn(demo);
});
after(async () => {
  await big.close();
  await demo.close();
  await aws.close();
});

describe('discovery under the portal quota', () => {
  it(`lists ${ACCOUNTS} accounts × 3 permission sets without one request over the quota`, async () => {
    // A tenth of a second's burst: an unpaced client is over it within moments.
    big.setQuota({ perSecond: QUOTA, burst: QUOTA / 10 });
    const before = big.stats();
    let progress = 0;
    const arrived: string[] = [];
    const directory = await bigCenter.discover({
      requestsPerSecond: QUOTA,
      // As each account's permission sets are listed, for a tree that shows them as they come.
      onAccount: (account) => {
        assert.equal(account.roles.length, 3);
        arrived.push(account.id);
      },
      onProgress: (done, total) => {
        assert.equal(total, ACCOUNTS);
        progress = done;
      },
    });
    const stats = big.stats();
    assert.equal(directory.accounts.length, ACCOUNTS);
    assert.ok(directory.accounts.every((a) => a.roles.length === 3));
    assert.equal(progress, ACCOUNTS);
    assert.deepEqual(arrived.sort(), directory.accounts.map((a) => a.id).sort());
    assert.equal(stats.portalRequests - before.portalRequests, 7 + ACCOUNTS, '7 pages of accounts, one role list each');
    assert.equal(stats.overQuota - before.overQuota, 0, 'the portal never had to refuse a request');
    big.setQuota(undefined);
  });

  it('is enforced: unpaced and without retries, discovery fails at the quota as other tools do', async () => {
    // Two a second, two at once: the third of seven quick calls is over it.
    demo.setQuota({ perSecond: 2, burst: 2 });
    try {
      await rejectsWith(demoCenter.discover({ requestsPerSecond: Infinity, concurrency: 1, maxAttempts: 1 }), 'SsoThrottled');
      assert.equal(demo.stats().overQuota, 1);
    } finally {
      demo.setQuota(undefined);
    }
  });

  it('backs off exponentially through a storm of 429s, every call waiting, and finishes', async () => {
    demo.setThrottle({ count: 5 });
    const start = demo.arrivals().length;
    const directory = await demoCenter.discover({ requestsPerSecond: Infinity, concurrency: 1, backoffBaseMs: 40 });
    assert.equal(directory.accounts.length, 6);
    const arrivals = demo.arrivals().slice(start);
    const gaps = arrivals.flatMap((a, i) => (a.throttled ? [arrivals[i + 1].atMs - a.atMs] : []));
    assert.equal(gaps.length, 5);
    // Equal jitter: at least half of 40, 80, 160, 320, 640 ms (a millisecond for the timer's rounding).
    gaps.forEach((gap, i) => assert.ok(gap >= 20 * 2 ** i - 1, `gap ${i + 1} was ${gap.toFixed(1)} ms`));
  });

  it('waits as long as the Retry-After the portal sends', async () => {
    demo.setQuota({ perSecond: 10, burst: 3, retryAfterSeconds: 1 });
    const start = demo.arrivals().length;
    try {
      const directory = await demoCenter.discover({ requestsPerSecond: Infinity, concurrency: 1, backoffBaseMs: 1 });
      assert.equal(directory.accounts.length, 6);
    } finally {
      demo.setQuota(undefined);
    }
    const arrivals = demo.arrivals().slice(start);
    const gaps = arrivals.flatMap((a, i) => (a.throttled ? [arrivals[i + 1].atMs - a.atMs] : []));
    assert.ok(gaps.length >= 1);
    for (const gap of gaps) assert.ok(gap >= 999, `waited ${gap.toFixed(0)} ms after a 429 with Retry-After: 1`);
  });

  // Without the cap this waits an hour: the test's timeout fails it instead.
  it('waits no longer than its longest backoff when the portal sends a Retry-After of an hour', { timeout: 30_000 }, async () => {
    demo.setQuota({ perSecond: 10, burst: 3, retryAfterSeconds: 3600 });
    const start = demo.arrivals().length;
    try {
      const directory = await demoCenter.discover({ requestsPerSecond: Infinity, concurrency: 1, backoffBaseMs: 1, maxBackoffMs: 300 });
      assert.equal(directory.accounts.length, 6);
    } finally {
      demo.setQuota(undefined);
    }
    const arrivals = demo.arrivals().slice(start);
    const gaps = arrivals.flatMap((a, i) => (a.throttled ? [arrivals[i + 1].atMs - a.atMs] : []));
    assert.ok(gaps.length >= 1);
    // The pause is the cap: 300 ms shared, at most 300 ms more of the call's own jitter.
    for (const gap of gaps) assert.ok(gap >= 299, `waited ${gap.toFixed(0)} ms, less than the cap`);
  });
});
