// Vault's AWS engine beyond leases, inside the extension host against the local Vault: a static role's keys
// replaced in the session when Vault rotates them, and a session_token lease that needs an MFA code.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials, Identity } from '../../../src/core/session';
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

/** The next identity the session takes whose key differs from `key`. */
function nextKeyOtherThan(key: string, within: number): Promise<Identity> {
  return session().then(
    (s) =>
      new Promise<Identity>((resolve, reject) => {
        const timer = setTimeout(() => {
          listener.dispose();
          reject(new Error(`the session kept key ${key.slice(0, 8)}… for ${within / 1000} s after the rotation`));
        }, within);
        const listener = s.onDidChange((identity) => {
          if (identity && identity.credentials.accessKeyId !== key) {
            clearTimeout(timer);
            listener.dispose();
            resolve(identity);
          }
        });
      }),
  );
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

  test('static keys in use are replaced in the session when Vault rotates them, and the old key stops working', async () => {
    // A short rotation period for this test only; the demo's ci-deployer rotates hourly.
    await vaultAsRoot('POST', 'aws/static-roles/ci-deployer', { username: 'ci-deployer', rotation_period: 10 });
    try {
      // The role was due at once (rotated at startup): wait until Vault's fresh keys are out before using them.
      for (let left = 0; left < 7000;) {
        const creds = await vaultAsRoot('GET', 'aws/static-creds/ci-deployer');
        left = Date.parse(String((creds.data as { expiration?: string }).expiration)) - Date.now();
        if (left < 7000) await new Promise((resolve) => setTimeout(resolve, 500));
      }
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

      const rotated = await nextKeyOtherThan(first.credentials.accessKeyId, 30_000);
      await vaultAsRoot('POST', 'aws/static-roles/ci-deployer', { username: 'ci-deployer', rotation_period: 3600 });
      assert.equal(rotated.origin.kind, 'vaultStatic');
      assert.match(await callerArn(rotated.credentials), /ci-deployer$/, 'the new keys work');
      await assert.rejects(callerArn(first.credentials), /InvalidClientTokenId|security token/i, 'Vault deleted the old key at AWS');
    } finally {
      await vaultAsRoot('POST', 'aws/static-roles/ci-deployer', { username: 'ci-deployer', rotation_period: 3600 });
    }
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
