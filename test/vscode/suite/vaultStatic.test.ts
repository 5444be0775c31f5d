// Vault's AWS engine beyond leases, inside the extension host against the local Vault: a static role's keys as
// the session, and a session_token lease that needs an MFA code.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/core/session';
import { totp } from '../../servers/aws/totp';
import { session, shared } from './helpers';

const VAULT_ROOT_TOTP = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

async function callerArn(credentials: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint: shared().awsUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

async function vaultAsRoot(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const { vaultUrl, vaultRootToken } = shared();
  const response = await fetch(`${vaultUrl}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': vaultRootToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  const text = await response.text();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

suite('vault static roles and MFA leases', () => {
  const server = () => ({ address: shared().vaultUrl });

  suiteSetup(async function () {
    if (!process.env.IAM_SWITCHBOARD_E2E) this.skip();
    const created = await vaultAsRoot('POST', 'auth/token/create', { policies: ['aws-dev'], ttl: '1h' });
    await vscode.commands.executeCommand('iamSwitchboard.signInToVault', {
      server: server(),
      token: (created.auth as { client_token: string }).client_token,
    });
  });

  teardown(async () => {
    if (process.env.IAM_SWITCHBOARD_E2E) (await session()).clear();
  });

  // Rotation itself (Vault's one-minute tick, the previous key kept, the re-reads and the overdue warning) is
  // followed in test/core/vault/staticRotation.test.ts on the local Vault's clock: real Vault refuses periods
  // under a minute, so a rotation cannot be waited for here.
  test('static keys become the session with their rotation time, and work at AWS', async () => {
    const used = await vscode.commands.executeCommand<{ label: string }>('iamSwitchboard.useStaticCredentials', {
      server: server(),
      mount: 'aws',
      role: 'ci-deployer',
    });
    assert.equal(used?.label, 'vault-static:ci-deployer');
    const first = (await session()).identity!;
    assert.equal(first.origin.kind, 'vaultStatic');
    assert.ok(first.origin.kind === 'vaultStatic' && first.origin.rotatesAt, 'the rotation time is known');
    assert.equal(first.credentials.expiration, undefined, 'static keys do not expire');
    assert.match(await callerArn(first.credentials), /^arn:aws:iam::111111111111:user\/(\S+\/)?ci-deployer$/);
  });

  test('a session_token lease with the MFA code becomes the session and works at STS', async () => {
    const result = await vscode.commands.executeCommand<{ leaseId: string }>('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 'session-mfa',
      ttl: '15m',
      mfaCode: totp(VAULT_ROOT_TOTP),
    });
    assert.ok(result?.leaseId.startsWith('aws/sts/session-mfa/'), `lease ${result?.leaseId}`);
    const identity = (await session()).identity!;
    assert.ok(identity.credentials.sessionToken, 'session_token credentials carry a session token');
    assert.match(await callerArn(identity.credentials), /^arn:aws:iam::111111111111:user\/(\S+\/)?vault-root$/);
  });
});
