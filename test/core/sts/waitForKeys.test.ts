// Waiting for new iam_user keys: trouble on the way to STS (refused, reset, throttled, 5xx) is retried within the
// budget and, when it lasts, reported as what it is, not as "AWS rejected the keys"; polls are counted, not timed.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AwsCredentials } from '../../../src/core/session';
import { VaultClient } from '../../../src/core/vault/client';
import { waitUntilUsable } from '../../../src/core/sts/waitForKeys';
import { type LocalServers, startServers } from '../../servers';
import { rejectsWith } from '../rejectsWith';
import { loginWithPassword } from '../../../src/core/vault/auth';

const PROPAGATION_MS = 1500;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('waiting for new iam_user keys through trouble', () => {
  let servers: LocalServers;
  let alice: VaultClient;

  before(async () => {
    servers = await startServers({ aws: { keyPropagationMs: PROPAGATION_MS } });
    alice = new VaultClient({ name: 'local', address: servers.vault.url });
    alice.setToken((await loginWithPassword(alice, 'userpass', 'alice', 'alice-password')).token);
  });
  after(() => servers.close());

  async function newKeys(): Promise<AwsCredentials> {
    return (await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' })).credentials;
  }

  const wait = (credentials: AwsCredentials, timeoutMs?: number, endpoint = servers.aws.url) =>
    waitUntilUsable(credentials, { endpoint, region: 'us-east-1', timeoutMs });

  test('polls gently while the keys propagate: a handful of checks, then ready', async () => {
    const keys = await newKeys();
    const before = servers.aws.stats().actions.GetCallerIdentity ?? 0;
    const usable = await wait(keys);
    const checks = (servers.aws.stats().actions.GetCallerIdentity ?? 0) - before;
    assert.equal(checks, usable.attempts);
    assert.ok(usable.attempts >= 2 && usable.attempts <= 8, `${usable.attempts} checks`);
    assert.match(usable.arn, /:user\//);
  });

  for (const [what, failure] of [
    ['reset connections', { mode: 'reset' }],
    ['throttling', { mode: 'throttle' }],
    ['a 503 from a load balancer', { mode: 'error', status: 503 }],
  ] as const) {
    test(`retries ${what} within the budget and then says the keys are ready`, async () => {
      const keys = await newKeys();
      servers.aws.setFailure(failure, 2);
      try {
        const usable = await wait(keys);
        assert.ok(usable.attempts >= 3, `${usable.attempts} attempts`);
        assert.match(usable.arn, /:user\//);
      } finally {
        servers.aws.setFailure(undefined);
      }
    });
  }

  test('an STS that refuses connections is reported as unreachable, not as rejected keys', async () => {
    const keys = await newKeys();
    const error = await rejectsWith(wait(keys, 600, `http://127.0.0.1:${await closedPort()}`), 'KeysNotChecked');
    assert.match(error.message, /Could not reach STS.*ECONNREFUSED/);
    assert.doesNotMatch(error.message, /rejected/);
  });

  test('throttling for the whole budget is reported as throttling', async () => {
    const keys = await newKeys();
    servers.aws.setFailure({ mode: 'throttle' });
    try {
      const error = await rejectsWith(wait(keys, 600), 'Throttling');
      assert.match(error.message, /throttled/);
    } finally {
      servers.aws.setFailure(undefined);
    }
  });
});
