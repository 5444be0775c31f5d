// Vault lease edges inside the extension host, against the local Vault the e2e runner started: a renewal past the
// max TTL is capped, and a lease revoked behind the window's back leaves the session at the next look-up.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Session } from '../../../src/core/session';
import { session, shared } from './helpers';

async function asRoot(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { vaultUrl, vaultRootToken } = shared();
  const response = await fetch(`${vaultUrl}/v1/${path}`, {
    method: 'PUT',
    headers: { 'X-Vault-Token': vaultRootToken },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function activeLeaseId(s: Session): string {
  const origin = s.identity?.origin;
  assert.equal(origin?.kind, 'vault');
  return origin.kind === 'vault' ? origin.leaseId : '';
}

suite('vault leases follow Vault', () => {
  const server = () => ({ address: shared().vaultUrl });

  suiteSetup(async function () {
    if (!process.env.IAM_SWITCHBOARD_E2E) this.skip();
    await session();
    const created = await asRoot('auth/token/create', { policies: ['aws-dev'], ttl: '1h' });
    const token = (created.json.auth as { client_token: string }).client_token;
    // Revoking an iam_user lease asks first by default (a modal nobody answers here).
    await vscode.workspace.getConfiguration('iamSwitchboard').update('vault.confirmRevoke', false, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server: server(), token });
  });

  suiteTeardown(async () => {
    if (!process.env.IAM_SWITCHBOARD_E2E) return;
    await vscode.commands.executeCommand('iamSwitchboard.signOutOfVault', { server: server() });
    await vscode.workspace.getConfiguration('iamSwitchboard').update('vault.confirmRevoke', undefined, vscode.ConfigurationTarget.Global);
  });

  test('renewing past the lease max TTL (1h) is capped: the session expiry stays within the hour', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 's3-full',
      wait: false,
    });
    const leaseId = activeLeaseId(s);
    const before = s.timeLeft()!;
    assert.ok(before > 25 * 60_000 && before <= 30 * 60_000, `fresh lease: ${before} ms`);
    await vscode.commands.executeCommand('iamSwitchboard.renewLease', { lease: { leaseId }, increment: '3h' });
    const after = s.timeLeft()!;
    assert.ok(after > 55 * 60_000 && after <= 60 * 60_000, `after asking for 3h the lease has ${after / 60_000} min`);
    const lookup = await asRoot('sys/leases/lookup', { lease_id: leaseId });
    const ttl = (lookup.json.data as { ttl: number }).ttl;
    assert.ok(Math.abs(ttl * 1000 - after) < 5_000, `Vault says ${ttl}s, the session ${after / 1000}s`);
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId } });
    assert.equal(s.identity?.label, undefined);
  });

  test('a lease an operator revoked leaves the session when it is looked up', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const leaseId = activeLeaseId(s);
    assert.equal((await asRoot('sys/leases/revoke', { lease_id: leaseId })).status, 204);
    await vscode.commands.executeCommand('iamSwitchboard.lookupLease', { lease: { leaseId } });
    assert.equal(s.identity?.label, undefined, 'the revoked lease is no longer the session identity');
    // And it is gone from the window's leases: acting on it again says so instead of calling Vault.
    const result = await vscode.commands.executeCommand('iamSwitchboard.renewLease', { lease: { leaseId } });
    assert.equal(result, undefined);
  });
});
