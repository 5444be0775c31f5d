// Vault commands inside the extension host, against the local Vault the e2e runner started.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/core/session';
import { session, shared } from './helpers';

async function callerArn(credentials: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint: shared().awsUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

/** A fresh aws-dev token from the root token, as an operator would hand one out. */
async function developerToken(): Promise<string> {
  const { vaultUrl, vaultRootToken } = shared();
  const response = await fetch(`${vaultUrl}/v1/auth/token/create`, {
    method: 'POST',
    headers: { 'X-Vault-Token': vaultRootToken },
    body: JSON.stringify({ policies: ['aws-dev'], ttl: '1h' }),
  });
  return ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
}

/** Replaces some vscode.window functions while `run` runs (the extension shares this vscode object). */
async function withWindow<T>(stubs: Record<string, (...args: never[]) => unknown>, run: () => Thenable<T>): Promise<T> {
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(stubs).map((name) => [name, window[name]]));
  Object.assign(window, stubs);
  try {
    return await run();
  } finally {
    Object.assign(window, saved);
  }
}

/** Collects the messages the extension shows (never answered) while `run` runs. */
async function shownDuring(run: () => Thenable<unknown>): Promise<string[]> {
  const shown: string[] = [];
  const record = (message: string) => {
    shown.push(message);
    return Promise.resolve(undefined);
  };
  await withWindow({ showInformationMessage: record, showWarningMessage: record, showErrorMessage: record }, run);
  return shown;
}

suite('vault', () => {
  const server = () => ({ address: shared().vaultUrl });

  suiteSetup(async function () {
    if (!process.env.IAM_SWITCHBOARD_E2E) this.skip();
    await session();
    // Revoking an iam_user lease asks first by default (a modal nobody answers here); these tests turn it off.
    await vscode.workspace.getConfiguration('iamSwitchboard').update('vault.confirmRevoke', false, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server: server(), token: await developerToken() });
  });

  suiteTeardown(async () => {
    if (process.env.IAM_SWITCHBOARD_E2E) {
      await vscode.workspace.getConfiguration('iamSwitchboard').update('vault.confirmRevoke', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('leased iam_user credentials become the session identity and work at STS', async () => {
    const s = await session();
    const result = await vscode.commands.executeCommand<{ leaseId: string; label: string }>('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 's3-full',
    });
    assert.ok(result, 'lease command returned nothing (see the error message)');
    assert.match(result.leaseId, /^aws\/creds\/s3-full\//);
    const identity = s.identity;
    assert.equal(identity?.origin.kind, 'vault');
    assert.equal(identity?.origin.kind === 'vault' && identity.origin.leaseId, result.leaseId);
    assert.match(identity!.arn ?? '', /^arn:aws:iam::111111111111:user\//, 'waited until the keys were usable');
    assert.equal(await callerArn(identity!.credentials), identity!.arn);
    assert.ok('leaseId' in result && !('credentials' in result), 'the command result carries no secrets');
  });

  test('renewing an iam_user lease moves the session expiry', async () => {
    const s = await session();
    const before = s.identity!.credentials.expiration!.getTime();
    const leaseId = s.identity!.origin.kind === 'vault' ? s.identity!.origin.leaseId : '';
    await vscode.commands.executeCommand('iamSwitchboard.renewLease', { lease: { leaseId }, increment: '50m' });
    const after = s.identity!.credentials.expiration!.getTime();
    assert.ok(after > before + 15 * 60_000, `expiry moved by ${(after - before) / 1000}s`);
  });

  test('with confirmRevoke off, revoking the active iam_user lease asks nothing, clears the session and the keys stop working', async () => {
    const s = await session();
    const identity = s.identity!;
    const leaseId = identity.origin.kind === 'vault' ? identity.origin.leaseId : '';
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId } });
    assert.equal(s.identity?.label, undefined);
    await assert.rejects(callerArn(identity.credentials), (e: Error) => e.name === 'InvalidClientTokenId');
  });

  test('looking up a lease shows its id, time left, renewable and times in a document, never its keys', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 's3-full',
      wait: false,
    });
    const identity = s.identity!;
    const leaseId = identity.origin.kind === 'vault' ? identity.origin.leaseId : '';
    const uri = await vscode.commands.executeCommand<vscode.Uri>('iamSwitchboard.lookupLease', { lease: { leaseId } });
    assert.ok(uri, 'look-up returned no document (see the error message)');
    const document = await vscode.workspace.openTextDocument(uri);
    assert.ok(!document.isUntitled && uri.scheme !== 'file', `a read-only view, not a file or an untitled document: ${uri.scheme}`);
    const text = document.getText();
    assert.ok(text.includes(leaseId), 'the whole lease id is there');
    assert.match(text, /Time left: (29|30)m\n/, 'in the one duration style, not seconds');
    assert.match(text, /Renewable: yes/);
    assert.match(text, /Issued: \d/);
    assert.match(text, /Expires: \d/);
    const { accessKeyId, secretAccessKey, sessionToken } = identity.credentials;
    for (const secret of [accessKeyId, secretAccessKey, sessionToken].filter((v): v is string => !!v)) {
      assert.ok(!text.includes(secret), 'no credential in the look-up document');
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId } });
    assert.equal(s.identity?.label, undefined);
  });

  test('Open Terminal with Vault Lease opens a terminal that is the lease, not the active identity', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const first = s.identity!;
    const firstLease = first.origin.kind === 'vault' ? first.origin.leaseId : '';
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    assert.ok(s.identity !== first, 'the second lease is now the active identity');
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const listener = vscode.window.onDidOpenTerminal((terminal) => {
        listener.dispose();
        resolve(terminal);
      });
    });
    await vscode.commands.executeCommand('iamSwitchboard.openTerminalWithLease', { lease: { leaseId: firstLease } });
    const terminal = await opened;
    const env = (terminal.creationOptions as vscode.TerminalOptions).env ?? {};
    // The terminal holds a pinned token, never a key: the endpoint answers it with the first lease's keys.
    // null: the terminal's own environment removes an inherited key (TerminalOptions.env).
    assert.ok(env.AWS_ACCESS_KEY_ID === undefined || env.AWS_ACCESS_KEY_ID === null, 'no key in the terminal');
    const answer = await fetch(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, {
      headers: { Authorization: env.AWS_CONTAINER_AUTHORIZATION_TOKEN! },
    });
    assert.equal(answer.status, 200);
    assert.equal(
      ((await answer.json()) as { AccessKeyId: string }).AccessKeyId,
      first.credentials.accessKeyId,
      'the terminal is the first lease',
    );
    terminal.dispose();
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId: firstLease } });
    const second = s.identity!;
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', {
      lease: { leaseId: second.origin.kind === 'vault' ? second.origin.leaseId : '' },
    });
  });

  test('Use These Credentials makes an older lease of this window the active identity again', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const first = s.identity!;
    const leaseOf = (identity: typeof first) => (identity.origin.kind === 'vault' ? identity.origin.leaseId : '');
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const second = s.identity!;
    assert.ok(second !== first, 'the second lease replaced the first');
    const label = await vscode.commands.executeCommand<string>('iamSwitchboard.useLease', { lease: { leaseId: leaseOf(first) } });
    assert.equal(label, first.label);
    assert.ok(s.identity === first, 'the first lease is the active identity again, its own keys');
    assert.equal(await callerArn(s.identity!.credentials), first.arn);
    for (const identity of [first, second]) {
      await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId: leaseOf(identity) } });
    }
    assert.equal(s.identity?.label, undefined);
  });

  test('assumed_role credentials carry their STS expiry and are not renewable', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const identity = s.identity!;
    assert.equal(identity.origin.kind === 'vault' && identity.origin.renewable, false);
    assert.match(identity.arn ?? '', /assumed-role\/VaultS3\//);
    const left = s.timeLeft()!;
    assert.ok(left > 14 * 60_000 && left <= 15 * 60_000, `time left ${left}`);
    const leaseId = identity.origin.kind === 'vault' ? identity.origin.leaseId : '';
    // Renew is refused without asking Vault; the identity stays as it was.
    await vscode.commands.executeCommand('iamSwitchboard.renewLease', { lease: { leaseId }, increment: '30m' });
    assert.ok(s.identity === identity, 'the identity is unchanged');
    await vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId } });
    assert.equal(s.identity?.label, undefined);
    assert.equal(await callerArn(identity.credentials), identity.arn, 'STS keys stay valid until they expire');
  });

  test('a failed lease leaves the current credentials as they were', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' });
    const identity = s.identity;
    assert.ok(identity);
    const result = await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 'no-such-role',
      credentialType: 'iam_user',
    });
    assert.equal(result, undefined);
    assert.ok(s.identity === identity, 'the identity is unchanged');
  });

  test('a failed sign-in keeps the previous token working', async () => {
    const s = await session();
    await vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server: server(), token: 'not-a-vault-token' });
    const result = await vscode.commands.executeCommand<{ leaseId: string }>('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 'dev-s3',
      ttl: '15m',
    });
    assert.ok(result, 'leasing after a failed sign-in failed (see the error message)');
    assert.equal(s.identity?.origin.kind === 'vault' && s.identity.origin.leaseId, result.leaseId);
  });

  test('with the endpoint, lease notices say open terminals get the credentials too, at a 24-hour time', async () => {
    // A 15-minute lease taken before midnight ends tomorrow: clockTime then names the date too (core/time.ts).
    const at = String.raw`(?:\d{4}-\d\d-\d\d )?\d\d:\d\d`;
    const s = await session();
    const leased = await shownDuring(() =>
      vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', { server: server(), mount: 'aws', role: 'dev-s3', ttl: '15m' }),
    );
    assert.ok(
      leased.some((m) => new RegExp(`^Vault credentials for dev-s3 are ready in open and new terminals until ${at}\\.$`).test(m)),
      leased.join(' | '),
    );
    const leaseId = s.identity?.origin.kind === 'vault' ? s.identity.origin.leaseId : '';
    const revoked = await shownDuring(() => vscode.commands.executeCommand('iamSwitchboard.revokeLease', { lease: { leaseId } }));
    assert.ok(
      revoked.some((m) => new RegExp(`valid until ${at}; open and new terminals no longer get them\\.$`).test(m)),
      revoked.join(' | '),
    );
  });

  test('a pasted token Vault refuses is "not accepted", never "no longer accepts your token"', async () => {
    const shown = await shownDuring(() =>
      vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server: server(), token: 'not-a-vault-token' }),
    );
    assert.equal(shown.length, 1, shown.join(' | '));
    assert.match(shown[0], /did not accept that token \(it is mistyped, expired or revoked\); paste another/);
    assert.doesNotMatch(shown[0], /no longer/);
  });

  /** Signs in with userpass through the prompts, answering the password box with `passwords` in turn. */
  async function userpassSignIn(passwords: (string | undefined)[]) {
    const boxes: vscode.InputBoxOptions[] = [];
    const answers = ['alice', ...passwords];
    const shown = await withWindow(
      {
        showQuickPick: (items: readonly { method?: string }[]) => Promise.resolve(items.find((i) => i.method === 'userpass')),
        showInputBox: (options: vscode.InputBoxOptions) => {
          boxes.push(options);
          return Promise.resolve(answers.shift());
        },
      },
      () => shownDuring(() => vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server: server() })),
    );
    return { boxes, shown, unanswered: answers.length };
  }

  test('a wrong userpass password is asked again in place, with the reason; the right one signs in', async () => {
    const { boxes, shown, unanswered } = await userpassSignIn(['wrong', 'alice-password']);
    assert.equal(unanswered, 0);
    assert.deepEqual(
      boxes.map((b) => b.prompt),
      ['Username', 'Password for alice', 'Password for alice'],
    );
    assert.equal(await boxes[1].validateInput?.(''), undefined, 'no reason before a password was refused');
    const reason = await boxes[2].validateInput?.('');
    assert.match(
      typeof reason === 'object' && reason ? reason.message : String(reason),
      /Vault rejected that password for alice: type it again/,
    );
    assert.ok(
      shown.some((m) => /^Signed in to .* as userpass-alice/.test(m)),
      shown.join(' | '),
    );
    assert.ok(!shown.some((m) => /rejected/.test(m)), 'no error message: the box said it');
  });

  test('Escape on the password asked again cancels: nothing shown, still signed in as before', async () => {
    const { shown, unanswered } = await userpassSignIn(['wrong', undefined]);
    assert.equal(unanswered, 0);
    assert.deepEqual(shown, []);
    const result = await vscode.commands.executeCommand<{ leaseId: string }>('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 'dev-s3',
      ttl: '15m',
    });
    assert.ok(result, 'the token from before still leases');
  });

  test('signing out forgets the token: leasing then asks to sign in', async () => {
    const s = await session();
    const identity = s.identity;
    await vscode.commands.executeCommand('iamSwitchboard.signOutOfVault', { server: server() });
    const result = await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', {
      server: server(),
      mount: 'aws',
      role: 's3-full',
    });
    assert.equal(result, undefined);
    assert.ok(s.identity === identity, 'the identity is unchanged');
  });
});
