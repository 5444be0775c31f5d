// What a switch costs on the wire, counted by the local STS (requests and TCP connections, never timings), and
// what bad settings or a hostile endpoint get: a UserError, never a raw TypeError or a body read into memory.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { assumeRole, type AssumeOptions, getCallerIdentity, StsCache } from '../../../src/core/sts/assumeRole';
import { StsClientPool } from '../../../src/core/sts/clients';
import { waitUntilUsable } from '../../../src/core/sts/waitForKeys';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { rejectsWith } from '../rejectsWith';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ALICE = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };

let server: AwsServer;
let config: AwsConfig;

function rolesOf(c: AwsConfig): Map<string, RoleEntry> {
  return new Map(buildCatalog({ profiles: c.profiles }).roles.map((r) => [r.label, r]));
}

function role(label: string, c = config): RoleEntry {
  const found = rolesOf(c).get(label);
  assert.ok(found, `no role ${label}`);
  return found;
}

function options(cache: StsCache, extra: Partial<AssumeOptions> = {}): AssumeOptions {
  return { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache, mfaCode: async () => totp(BOB_TOTP), ...extra };
}

/** The server's request and connection counts during `fn`. */
async function counted(fn: () => Promise<unknown>): Promise<{ requests: number; connections: number; actions: Record<string, number> }> {
  const start = server.stats();
  await fn();
  const end = server.stats();
  const actions: Record<string, number> = {};
  for (const [action, n] of Object.entries(end.actions)) {
    if (n !== (start.actions[action] ?? 0)) actions[action] = n - (start.actions[action] ?? 0);
  }
  return { requests: end.requests - start.requests, connections: end.connections - start.connections, actions };
}

before(async () => {
  server = await startAwsServer();
  config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
});
after(() => server.close());

describe('round trips per switch', () => {
  it('a second switch from the same source is one AssumeRole on the connection the first one opened', async () => {
    const cache = new StsCache();
    try {
      const first = await counted(() => assumeRole(role('dev-readonly'), options(cache)));
      assert.deepEqual(first, { requests: 1, connections: 1, actions: { AssumeRole: 1 } });
      const again = await counted(() => assumeRole(role('dev-readonly'), options(cache)));
      assert.deepEqual(again, { requests: 1, connections: 0, actions: { AssumeRole: 1 } });
    } finally {
      cache.clear();
    }
  });

  it('the source user name is looked up once per source, not per switch', async () => {
    const cache = new StsCache();
    try {
      const first = await counted(() => assumeRole(role('dev-readonly-plain'), options(cache)));
      assert.deepEqual(first.actions, { GetCallerIdentity: 1, AssumeRole: 1 });
      const again = await counted(() => assumeRole(role('dev-readonly-plain'), options(cache)));
      assert.deepEqual(again.actions, { AssumeRole: 1 });
    } finally {
      cache.clear();
    }
  });

  it('a chained role is two round trips', async () => {
    const cache = new StsCache();
    try {
      await assumeRole(role('prod-auditor'), options(cache));
      const chained = await counted(() => assumeRole(role('prod-auditor'), options(cache)));
      assert.deepEqual(chained, { requests: 2, connections: 0, actions: { AssumeRole: 2 } });
    } finally {
      cache.clear();
    }
  });

  it('a second role from the same MFA session is one round trip and asks for no code', async () => {
    const cache = new StsCache();
    let codes = 0;
    const withCode = options(cache, { mfaCode: async () => (codes++, totp(BOB_TOTP)) });
    try {
      const first = await counted(() => assumeRole(role('prod-admin'), withCode));
      assert.deepEqual(first.actions, { GetSessionToken: 1, GetCallerIdentity: 1, AssumeRole: 1 });
      const second = await counted(() => assumeRole(role('prod-readonly-bob-mfa'), withCode));
      assert.deepEqual(second, { requests: 1, connections: 0, actions: { AssumeRole: 1 } });
      assert.equal(codes, 1);
    } finally {
      cache.clear();
    }
  });

  it('resolves a source once per loaded config: credential_process runs once, and again after a reload', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-sources-'));
    const runs = path.join(dir, 'runs');
    const script = path.join(dir, 'process.js');
    fs.writeFileSync(
      script,
      `require('fs').appendFileSync(${JSON.stringify(runs)}, 'x'); console.log(JSON.stringify({ Version: 1, AccessKeyId: '${ALICE.accessKeyId}', SecretAccessKey: '${ALICE.secretAccessKey}' }));`,
    );
    const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
    fs.writeFileSync(
      files.configPath,
      `[profile src]\ncredential_process = ${process.execPath} ${script}\n\n[profile target]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = src\nrole_session_name = alice\n`,
    );
    const cache = new StsCache();
    try {
      const loaded = await loadAwsConfig(files);
      await assumeRole(role('target', loaded), options(cache, { config: loaded }));
      await assumeRole(role('target', loaded), options(cache, { config: loaded }));
      assert.equal(fs.readFileSync(runs, 'utf8'), 'x');
      const reloaded = await loadAwsConfig(files);
      await assumeRole(role('target', reloaded), options(cache, { config: reloaded }));
      assert.equal(fs.readFileSync(runs, 'utf8'), 'xx');
    } finally {
      cache.clear();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('clearing the cache closes its connections: the next switch opens a new one', async () => {
    const cache = new StsCache();
    await assumeRole(role('dev-readonly'), options(cache));
    assert.equal(cache.clients.size, 1);
    cache.clear();
    assert.equal(cache.clients.size, 0);
    const next = await counted(() => assumeRole(role('dev-readonly'), options(cache)));
    assert.equal(next.connections, 1);
    cache.clear();
  });
});

describe('the STS client pool', () => {
  const settings = () => ({ endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 });

  it('keeps one client per credentials and replaces it when the secret or token changes', async () => {
    const sdk = await import('../../../src/core/sts/stsSdk');
    const pool = new StsClientPool();
    try {
      const a = pool.client(sdk, settings(), { ...ALICE });
      assert.equal(pool.client(sdk, settings(), { ...ALICE }), a);
      const rotated = pool.client(sdk, settings(), { ...ALICE, secretAccessKey: 'rotatedLocalSecret' });
      assert.notEqual(rotated, a);
      assert.equal(pool.size, 1);
      assert.notEqual(pool.client(sdk, { ...settings(), region: 'us-east-1' }, { ...ALICE }), a);
      assert.equal(pool.size, 2);
    } finally {
      pool.dispose();
    }
  });

  it('drops clients whose credentials have expired', async () => {
    const sdk = await import('../../../src/core/sts/stsSdk');
    const pool = new StsClientPool();
    try {
      const expiration = new Date(Date.now() + 60_000);
      pool.client(sdk, settings(), { accessKeyId: 'ASIALOCALEXPIRING01', secretAccessKey: 'x', sessionToken: 't', expiration });
      pool.client(sdk, settings(), { ...ALICE }, Date.now());
      assert.equal(pool.size, 2);
      pool.client(sdk, settings(), { ...ALICE }, Date.now() + 120_000);
      assert.equal(pool.size, 1);
    } finally {
      pool.dispose();
    }
  });
});

describe('bad settings and hostile answers are UserErrors', () => {
  const credentials = { ...ALICE };

  it('an endpoint without a scheme names the setting, for assume, caller identity and the key wait', async () => {
    const cache = new StsCache();
    await rejectsWith(assumeRole(role('dev-readonly'), options(cache, { endpoint: '127.0.0.1:4566' })), 'InvalidStsEndpoint');
    await rejectsWith(
      getCallerIdentity(credentials, { endpoint: 'localhost:4566', region: 'eu-west-1', timeoutMs: 5000 }),
      'InvalidStsEndpoint',
    );
    await rejectsWith(waitUntilUsable(credentials, { endpoint: 'sts.local', region: 'eu-west-1', timeoutMs: 500 }), 'InvalidStsEndpoint');
    cache.clear();
  });

  it('an empty region and a negative timeout name their settings', async () => {
    const cache = new StsCache();
    const error = await rejectsWith(assumeRole(role('dev-readonly'), options(cache, { region: '' })), 'InvalidRegion');
    assert.match(error.message, /iamSwitchboard\.region/);
    await rejectsWith(getCallerIdentity(credentials, { endpoint: server.url, region: 'eu-west-1', timeoutMs: -1 }), 'InvalidTimeout');
    await rejectsWith(assumeRole(role('dev-readonly'), options(cache, { timeoutMs: Number.NaN })), 'InvalidTimeout');
    await rejectsWith(waitUntilUsable(credentials, { endpoint: server.url, region: '', timeoutMs: 500 }), 'InvalidRegion');
    cache.clear();
  });

  it('a fractional timeout works (whole milliseconds are what timers take)', async () => {
    const caller = await getCallerIdentity(credentials, { endpoint: server.url, region: 'eu-west-1', timeoutMs: 16_100.000000000002 });
    assert.match(caller.arn, /:user\/alice$/);
  });

  for (const declareLength of [false, true]) {
    it(`an answer over 1 MB is refused, not read into memory (${declareLength ? 'declared length' : 'chunked'})`, async () => {
      const cache = new StsCache();
      server.setFailure({ mode: 'oversize', bytes: 8 * 1024 * 1024, declareLength });
      try {
        const error = await rejectsWith(assumeRole(role('dev-readonly'), options(cache)), 'ResponseTooLarge');
        assert.match(error.message, /more than 1 MB/);
      } finally {
        server.setFailure(undefined);
        cache.clear();
      }
      // The pool still works for the next switch.
      const identity = await assumeRole(role('dev-readonly'), options(cache));
      assert.match(identity.arn ?? '', /assumed-role\/ReadOnly\/alice$/);
      cache.clear();
    });
  }

  it('an answer under the cap is read as usual', async () => {
    const cache = new StsCache();
    server.setFailure({ mode: 'oversize', bytes: 64 * 1024, declareLength: false }, 1);
    try {
      const identity = await assumeRole(role('dev-readonly'), options(cache));
      assert.equal(identity.credentials.sessionToken?.length, 64 * 1024);
    } finally {
      server.setFailure(undefined);
      cache.clear();
    }
  });
});
