// Load loops: many switches and lease cycles in a row leave no sockets, timers or leases behind, and the heap
// returns to where it started. Handles are counted with process.getActiveResourcesInfo(). The local servers run
// in a child process, so that what they remember (every key they issued) does not count as our heap.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { type AwsConfig, loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../src/core/catalog/roleCatalog';
import { assumeRole, StsCache } from '../../src/core/sts/assumeRole';
import { VaultClient } from '../../src/core/vault/client';
import { loginWithPassword } from '../../src/core/vault/auth';

interface RemoteServers {
  aws: string;
  vault: string;
  rootToken: string;
  child: ChildProcess;
}

/** `npm run servers` on ephemeral ports, read back from what it prints. */
function startRemoteServers(): Promise<RemoteServers> {
  const child = spawn(process.execPath, [path.resolve(__dirname, '../servers/run.js')], {
    env: { ...process.env, AWS_PORT: '0', VAULT_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('exit', (code) => reject(new Error(`the local servers exited (${code}): ${text}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const aws = /AWS \(STS \+ IAM\): (\S+)/.exec(text)?.[1];
      const vault = /Vault:\s+(\S+)/.exec(text)?.[1];
      const rootToken = /root token: (\S+)/.exec(text)?.[1];
      if (aws && vault && rootToken && text.includes('Press Ctrl+C')) resolve({ aws, vault, rootToken, child });
    });
  });
}

/** The leases Vault holds under aws/creds/s3-full/, listed with the root token. */
async function liveLeases(servers: RemoteServers): Promise<string[]> {
  const response = await fetch(`${servers.vault}/v1/sys/leases/lookup/aws/creds/s3-full/?list=true`, {
    headers: { 'X-Vault-Token': servers.rootToken },
  });
  const body = (await response.json()) as { data?: { keys?: string[] } };
  return response.status === 404 ? [] : (body.data?.keys ?? ['unreadable']);
}

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/aws-config');

// test:core runs node without --expose-gc; this switches it on for this process, so heap figures are after a real GC.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** What is open now beyond `baseline` (sockets, timers, ...), after giving closing sockets a moment to finish. */
async function leftOver(baseline: Map<string, number>): Promise<Record<string, number>> {
  let extra: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    extra = {};
    for (const [name, count] of resources()) {
      const more = count - (baseline.get(name) ?? 0);
      if (more > 0 && name !== 'PipeWrap' && name !== 'TTYWrap') extra[name] = more;
    }
    if (Object.keys(extra).length === 0) return extra;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return extra;
}

async function heapUsed(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('load', () => {
  let servers: RemoteServers;
  let config: AwsConfig;
  let roles: Map<string, RoleEntry>;
  before(async () => {
    servers = await startRemoteServers();
    config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
    roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  });
  after(() => {
    servers.child.removeAllListeners('exit');
    servers.child.kill('SIGTERM');
  });

  test('200 role switches in a row leave no sockets or timers open, and the heap within 10 %', async () => {
    const options = { config, endpoint: servers.aws, region: 'eu-west-1', timeoutMs: 5000, cache: new StsCache() };
    const labels = ['dev-readonly', 'dev-deployer', 'prod-auditor'];
    // Warm up first: lazily loaded SDK modules, JIT code and the SDK's own caches settle within some dozens of calls.
    for (let i = 0; i < 60; i++) await assumeRole(roles.get(labels[i % labels.length])!, options);
    const baseline = resources();
    const heapBefore = await heapUsed();
    for (let i = 0; i < 200; i++) {
      const identity = await assumeRole(roles.get(labels[i % labels.length])!, options);
      assert.ok(identity.credentials.accessKeyId);
    }
    assert.deepEqual(await leftOver(baseline), {});
    const heapAfter = await heapUsed();
    console.log(`200 switches: heap ${(heapBefore / 1e6).toFixed(1)} MB -> ${(heapAfter / 1e6).toFixed(1)} MB`);
    assert.ok(heapAfter <= heapBefore * 1.1, `heap grew from ${heapBefore} to ${heapAfter}`);
  });

  test('100 lease/revoke cycles leave no sockets or timers open, no lease at Vault, and the heap within 10 %', async () => {
    const login = new VaultClient({ name: 'local', address: servers.vault }, { timeoutMs: 5000 });
    const client = new VaultClient(
      { name: 'local', address: servers.vault },
      { token: (await loginWithPassword(login, 'userpass', 'alice', 'alice-password')).token, timeoutMs: 5000 },
    );
    const cycle = async () => {
      const leased = await client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
      await client.revokeLease(leased.lease.leaseId);
    };
    for (let i = 0; i < 20; i++) await cycle(); // warm up, as above
    const baseline = resources();
    const heapBefore = await heapUsed();
    for (let i = 0; i < 100; i++) await cycle();
    assert.deepEqual(await liveLeases(servers), []);
    assert.deepEqual(await leftOver(baseline), {});
    const heapAfter = await heapUsed();
    console.log(`100 lease cycles: heap ${(heapBefore / 1e6).toFixed(1)} MB -> ${(heapAfter / 1e6).toFixed(1)} MB`);
    assert.ok(heapAfter <= heapBefore * 1.1, `heap grew from ${heapBefore} to ${heapAfter}`);
  });
});
