// The Vault side: the core lease path against a bare node-vault read of the same role, and how soon after the
// local IAM starts accepting new iam_user keys the core says they are ready.
import nodeVault = require('node-vault');
import { VaultClient } from '../../src/core/vault/client';
import { waitUntilUsable } from '../../src/core/sts/waitForKeys';
import { startServers } from '../servers';
import { median, versus } from './stats';
import { loginWithPassword } from '../../src/core/vault/auth';

export interface LeaseFigure {
  core: number;
  bare: number;
  ratio: number;
}

export async function leasePath(runs: number): Promise<LeaseFigure> {
  const servers = await startServers();
  try {
    const client = new VaultClient({ name: 'bench', address: servers.vault.url });
    const { token } = await loginWithPassword(client, 'userpass', 'alice', 'alice-password');
    client.setToken(token);
    const bare = nodeVault({ endpoint: servers.vault.url, token });
    const core = () => client.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role' });
    await core(); // warm-up: modules and connections
    await bare.read('aws/creds/dev-s3');
    const result = await versus(runs, core, () => bare.read('aws/creds/dev-s3'));
    return { core: result.a, bare: result.b, ratio: result.ratio };
  } finally {
    await servers.close();
  }
}

export interface ReadinessFigure {
  /** From the moment the local IAM accepts the key to the moment the core returns "ready" (median). */
  delayMs: number;
  maxDelayMs: number;
  /** GetCallerIdentity calls per wait (median), for "never hammering". */
  attempts: number;
  propagationMs: number;
}

export async function waitForKeys(runs: number, propagationMs = 1500): Promise<ReadinessFigure> {
  const servers = await startServers({ aws: { keyPropagationMs: propagationMs } });
  try {
    const client = new VaultClient({ name: 'bench', address: servers.vault.url });
    client.setToken((await loginWithPassword(client, 'userpass', 'alice', 'alice-password')).token);
    const delays: number[] = [];
    const attempts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const leased = await client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
      const usableAt = servers.aws.keyUsableAt(leased.credentials.accessKeyId)!;
      const ready = await waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1' });
      delays.push(Date.now() - usableAt);
      attempts.push(ready.attempts);
      await client.revokeLease(leased.lease.leaseId);
    }
    return { delayMs: median(delays), maxDelayMs: Math.max(...delays), attempts: median(attempts), propagationMs };
  } finally {
    await servers.close();
  }
}
