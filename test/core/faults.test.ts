// Every fault the local servers can stage, table-driven: each ends in one UserError with a code (never a raw
// Error), within a bound, and the credentials obtained before the fault still work afterwards.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AwsConfig, loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../src/core/catalog/roleCatalog';
import type { Identity } from '../../src/core/session';
import { assumeRole, type AssumeOptions, getCallerIdentity } from '../../src/core/sts/assumeRole';
import { UserError } from '../../src/core/userError';
import { VaultClient } from '../../src/core/vault/client';
import { totp } from '../servers/aws';
import { type LocalServers, startServers } from '../servers';
import { loginWithPassword } from '../../src/core/vault/auth';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** Far above any timeout used here: reaching it means something hangs. */
const HANG_GUARD_MS = 20_000;

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The UserError `run` ends in; fails on success, on anything that is not a UserError, and on a hang. */
async function failure(run: () => Promise<unknown>): Promise<UserError> {
  let guard: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    guard = setTimeout(() => reject(new Error(`still running after ${HANG_GUARD_MS} ms`)), HANG_GUARD_MS);
  });
  try {
    await Promise.race([run(), hang]);
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.ok(error.code, `a UserError without a code: ${error.message}`);
    assert.doesNotMatch(error.message, /[\r\n]/);
    return error;
  } finally {
    clearTimeout(guard);
  }
  return assert.fail('expected a failure, but it succeeded');
}

let servers: LocalServers;
let config: AwsConfig;
let roles: Map<string, RoleEntry>;
let previous: Identity;

const options = (extra: Partial<AssumeOptions> = {}): AssumeOptions => ({
  config,
  endpoint: servers.aws.url,
  region: 'eu-west-1',
  timeoutMs: 1500,
  ...extra,
});
const role = (label: string) => roles.get(label)!;

before(async () => {
  servers = await startServers();
  config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  previous = await assumeRole(role('dev-readonly'), options());
});
after(() => servers.close());

interface StsFault {
  fault: string;
  code: string;
  stage(): void | Promise<void>;
  run?: () => Promise<unknown>;
}

describe('STS faults', () => {
  const table: StsFault[] = [
    {
      fault: 'server down',
      code: 'ECONNREFUSED',
      stage: () => undefined,
      run: async () => assumeRole(role('dev-readonly'), options({ endpoint: `http://127.0.0.1:${await closedPort()}` })),
    },
    { fault: 'connection reset mid-response', code: 'ECONNRESET', stage: () => servers.aws.setFailure({ mode: 'reset' }) },
    { fault: 'a stall longer than the timeout', code: 'Timeout', stage: () => servers.aws.setFailure({ mode: 'slow', delayMs: 4000 }) },
    {
      fault: 'a stall, cancelled by the person',
      code: 'Cancelled',
      stage: () => servers.aws.setFailure({ mode: 'slow', delayMs: 4000 }),
      run: () => assumeRole(role('dev-readonly'), options({ timeoutMs: 10_000, signal: AbortSignal.timeout(200) })),
    },
    {
      fault: 'throttling beyond retries',
      code: 'Throttling',
      stage: () => servers.aws.setFailure({ mode: 'throttle' }),
      // Room for the SDK's three attempts and their throttling backoff (up to a few seconds with jitter).
      run: () => assumeRole(role('dev-readonly'), options({ timeoutMs: 10_000 })),
    },
    { fault: 'HTTP 500', code: 'InternalFailure', stage: () => servers.aws.setFailure({ mode: 'error', status: 500 }) },
    { fault: 'HTTP 503', code: 'ServiceUnavailable', stage: () => servers.aws.setFailure({ mode: 'error', status: 503 }) },
    { fault: 'malformed XML', code: 'MalformedResponse', stage: () => servers.aws.setFailure({ mode: 'malformed' }) },
    {
      fault: 'clock skew, and a proxy strips the Date header the SDK corrects itself by',
      code: 'ClockSkew',
      stage: () => servers.aws.setFailure({ mode: 'skew', skewMs: 3_600_000, stripDate: true }),
    },
    {
      fault: 'expired source credentials',
      code: 'ExpiredToken',
      stage: () => undefined,
      run: async () => {
        const first = await assumeRole(role('dev-readonly'), options());
        servers.aws.advanceClock(2 * 3600_000);
        try {
          return await getCallerIdentity(first.credentials, options(), 'the role session');
        } finally {
          servers.aws.advanceClock(-2 * 3600_000);
        }
      },
    },
  ];

  for (const row of table) {
    test(`${row.fault}: ${row.code}, and the earlier credentials still work`, async () => {
      await row.stage();
      try {
        const error = await failure(row.run ?? (() => assumeRole(role('dev-readonly'), options())));
        assert.equal(error.code, row.code, error.message);
      } finally {
        servers.aws.setFailure(undefined);
      }
      assert.equal((await getCallerIdentity(previous.credentials, options())).arn, previous.arn);
    });
  }

  test('clock skew the SDK can correct (AWS sends its time) succeeds', async () => {
    servers.aws.setFailure({ mode: 'skew', skewMs: 3_600_000 });
    try {
      assert.equal((await assumeRole(role('dev-readonly'), options())).arn, previous.arn);
    } finally {
      servers.aws.setFailure(undefined);
    }
  });

  test('a wrong MFA code three times: MfaFailed each time, then the right code works', async () => {
    const right = totp(BOB_TOTP);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const error = await failure(() => assumeRole(role('prod-admin'), options({ mfaCode: async () => wrong })));
      assert.equal(error.code, 'MfaFailed');
    }
    assert.match((await assumeRole(role('prod-admin'), options({ mfaCode: async () => totp(BOB_TOTP) }))).arn ?? '', /assumed-role\/Admin/);
  });
});

describe('Vault faults', () => {
  let token: string;
  const client = (extra: { timeoutMs?: number; address?: string } = {}) =>
    new VaultClient({ name: 'local', address: extra.address ?? servers.vault.url }, { token, timeoutMs: extra.timeoutMs ?? 1500 });
  const lease = (c = client(), signal?: AbortSignal) => c.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', signal });

  before(async () => {
    token = (await loginWithPassword(new VaultClient({ name: 'local', address: servers.vault.url }), 'userpass', 'alice', 'alice-password'))
      .token;
  });

  const table: Array<{
    fault: string;
    code: string;
    stage?: () => void | Promise<void>;
    run?: () => Promise<unknown>;
    undo?: () => void | Promise<void>;
  }> = [
    {
      fault: 'server down',
      code: 'VaultUnreachable',
      run: async () => lease(client({ address: `http://127.0.0.1:${await closedPort()}` })),
    },
    { fault: 'connection reset mid-response', code: 'VaultUnreachable', stage: () => servers.vault.setFailure({ mode: 'reset' }) },
    {
      fault: 'a stall longer than the timeout',
      code: 'VaultTimeout',
      stage: () => servers.vault.setFailure({ mode: 'slow', delayMs: 4000 }),
      run: () => client({ timeoutMs: 300 }).lookupSelf(),
    },
    {
      fault: 'a stall, cancelled by the person',
      code: 'Cancelled',
      stage: () => servers.vault.setFailure({ mode: 'slow', delayMs: 4000 }),
      run: () => lease(client({ timeoutMs: 10_000 }), AbortSignal.timeout(200)),
    },
    { fault: 'throttling', code: 'VaultRequestFailed', stage: () => servers.vault.setFailure({ mode: 'throttle' }) },
    { fault: 'HTTP 500', code: 'VaultRequestFailed', stage: () => servers.vault.setFailure({ mode: 'error', status: 500 }) },
    { fault: 'malformed JSON', code: 'VaultBadAnswer', stage: () => servers.vault.setFailure({ mode: 'malformed' }) },
    { fault: 'sealed mid-session', code: 'VaultSealed', stage: () => servers.vault.seal(), undo: () => servers.vault.unseal() },
  ];

  for (const row of table) {
    test(`${row.fault}: ${row.code}, and the client works again once it is over`, async () => {
      await row.stage?.();
      try {
        const error = await failure(row.run ?? (() => lease()));
        assert.equal(error.code, row.code, error.message);
      } finally {
        servers.vault.setFailure(undefined);
        await row.undo?.();
      }
      assert.ok((await client().lookupSelf()).policies.includes('aws-dev'));
    });
  }

  test('a token revoked mid-session: VaultTokenExpired for every call', async () => {
    const own = (
      await loginWithPassword(new VaultClient({ name: 'local', address: servers.vault.url }), 'userpass', 'alice', 'alice-password')
    ).token;
    const c = new VaultClient({ name: 'local', address: servers.vault.url }, { token: own, timeoutMs: 1500 });
    await lease(c);
    const revoked = await fetch(`${servers.vault.url}/v1/auth/token/revoke-self`, { method: 'POST', headers: { 'X-Vault-Token': own } });
    assert.equal(revoked.status, 204);
    for (const call of [() => lease(c), () => c.lookupSelf(), () => c.renewSelf()]) {
      assert.equal((await failure(call)).code, 'VaultTokenExpired');
    }
  });

  test('a lease revoked from outside: renewing it says Vault no longer knows it', async () => {
    const leased = await client().leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    const root = new VaultClient({ name: 'local', address: servers.vault.url }, { token: servers.vault.rootToken });
    await root.revokeLease(leased.lease.leaseId);
    const error = await failure(() => client().renewLease(leased.lease.leaseId));
    assert.equal(error.code, 'VaultLeaseNotFound', error.message);
    // Revoking it again (revoke on exit) is not an error: it is gone either way.
    await client().revokeLease(leased.lease.leaseId);
  });
});
