// Issue 23 end to end in VS Code (code-server): a central user's key moves from ~/.aws/credentials to the keychain
// (the file before and after), the AWS CLI keeps working through credential_process, a role assumed from that
// profile works; then Rotate Access Key, without and with MFA (the user's policy asks aws:MultiFactorAuthPresent
// for key writes): the old key is refused by STS, the new one (never read by the test but through the CLI's
// credential_process) works, a new AssumeRole of the role works, and neither secret is in any file of the HOME.
// The users are in test/servers/world.json with no key: an IAM admin (vault-root) gives each a fresh key first, so
// the floor run, against the same servers, starts from a clean user too. The demo HOME's ~/.aws files get the test's
// profiles for the test only (the catalog reads those), and are restored after.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { totp } from '../../servers/aws/totp';
import { shared } from './helpers';

const { awsUrl, home } = shared() as ReturnType<typeof shared> & { home: string };
const AWS_CLI = '/usr/bin/aws';
const CONFIG = path.join(home, '.aws', 'config');
const CREDENTIALS = path.join(home, '.aws', 'credentials');
// The IAM admin of the local world (test/servers/world.json), who may manage any user's keys.
const ADMIN = { AWS_ACCESS_KEY_ID: 'AKIALOCALVAULT000001', AWS_SECRET_ACCESS_KEY: 'vaultLocalSecretKey000000000000000000000V' };
const MFA_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

interface Key {
  AccessKeyId: string;
  SecretAccessKey: string;
}

/** The AWS CLI against the local server, with only the environment given (no person's AWS settings). */
async function aws(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(AWS_CLI, [...args, '--endpoint-url', awsUrl, '--output', 'json'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      AWS_CONFIG_FILE: CONFIG,
      AWS_SHARED_CREDENTIALS_FILE: CREDENTIALS,
      AWS_DEFAULT_REGION: 'eu-west-1',
      ...env,
    },
  });
  return stdout;
}

const callerArn = async (env: Record<string, string>) =>
  (JSON.parse(await aws(['sts', 'get-caller-identity'], env)) as { Arn: string }).Arn;

/** The user's keys as IAM lists them, asked by the admin. */
async function keyIds(user: string): Promise<string[]> {
  const out = JSON.parse(await aws(['iam', 'list-access-keys', '--user-name', user], ADMIN)) as {
    AccessKeyMetadata: { AccessKeyId: string }[];
  };
  return out.AccessKeyMetadata.map((k) => k.AccessKeyId);
}

/** Deletes what an earlier run left and gives the user one new key, as an administrator hands one out. */
async function freshKey(user: string): Promise<Key> {
  for (const id of await keyIds(user)) await aws(['iam', 'delete-access-key', '--user-name', user, '--access-key-id', id], ADMIN);
  return (JSON.parse(await aws(['iam', 'create-access-key', '--user-name', user], ADMIN)) as { AccessKey: Key }).AccessKey;
}

/** Every answer the test gives, and every message the commands showed (the recorder still gets them). */
function person(mfaCodes: () => string) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const names = ['showWarningMessage', 'showInformationMessage', 'showErrorMessage', 'showInputBox'];
  const originals = Object.fromEntries(names.map((n) => [n, window[n]]));
  const seen: { kind: string; message: string; detail?: string }[] = [];
  window.showWarningMessage = async (message: string, options: vscode.MessageOptions, ...items: string[]) => {
    seen.push({ kind: 'warning', message, detail: options?.detail });
    return items.find((item) => item.startsWith('Move'));
  };
  for (const kind of ['Information', 'Error']) {
    const original = originals[`show${kind}Message`] as (...args: unknown[]) => Thenable<unknown>;
    window[`show${kind}Message`] = (message: string, ...rest: unknown[]) => {
      seen.push({ kind: kind.toLowerCase(), message });
      return original.call(vscode.window, message, ...rest);
    };
  }
  window.showInputBox = async (options: vscode.InputBoxOptions) => {
    seen.push({ kind: 'input', message: options.prompt ?? '' });
    return mfaCodes();
  };
  return { seen, restore: () => Object.assign(window, originals) };
}

/** Files under `dir` holding any of `secrets` (by name only: the secret is never printed). */
function filesHolding(dir: string, secrets: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if (!entry.isFile() || !fs.existsSync(file)) return [];
    const text = fs.readFileSync(file);
    return secrets.some((s) => text.includes(s)) ? [file] : [];
  });
}

async function assumeCount(): Promise<number> {
  const stats = (await (await fetch(`${awsUrl}/__test/requests`)).json()) as { actions: Record<string, number> };
  return stats.actions.AssumeRole ?? 0;
}

/**
 * Opens a terminal as `role` and runs `aws sts get-caller-identity` as that terminal would: with its environment (the
 * window's endpoint and the terminal's own token, never a key) and no profile.
 */
async function openTerminal(role: string): Promise<{ terminal: vscode.Terminal; arn: () => Promise<string> }> {
  const opened = new Promise<vscode.Terminal>((resolve) => {
    const listener = vscode.window.onDidOpenTerminal((terminal) => {
      listener.dispose();
      resolve(terminal);
    });
  });
  await vscode.commands.executeCommand('iamSwitchboard.openTerminalAsRole', role);
  const terminal = await opened;
  const env = (terminal.creationOptions as vscode.TerminalOptions).env ?? {};
  assert.ok(!env.AWS_ACCESS_KEY_ID, 'no key in the terminal');
  const endpoint = {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: env.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? '',
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
  };
  assert.ok(endpoint.AWS_CONTAINER_CREDENTIALS_FULL_URI && endpoint.AWS_CONTAINER_AUTHORIZATION_TOKEN, 'the terminal asks the endpoint');
  return { terminal, arn: () => callerArn(endpoint) };
}

const assume = (role: string) => Promise.resolve(vscode.commands.executeCommand<string | undefined>('iamSwitchboard.assumeRole', role));

suite('rotate access key end to end', () => {
  for (const mfa of [false, true]) {
    const user = mfa ? 'key-rotator-mfa' : 'key-rotator';
    const role = `${user}-dev`;
    const userArn = `arn:aws:iam::111111111111:user/${user}`;
    const serial = `arn:aws:iam::111111111111:mfa/${user}`;

    test(`${mfa ? 'with' : 'without'} MFA: moved to the keychain, then rotated; the old key refused, the new one working`, async function () {
      if (!fs.existsSync(AWS_CLI)) this.skip();
      this.timeout(120_000);
      const config = fs.readFileSync(CONFIG, 'utf8');
      const credentials = fs.readFileSync(CREDENTIALS, 'utf8');
      const old = await freshKey(user);
      const you = person(() => totp(MFA_SECRET));
      const terminals: vscode.Terminal[] = [];
      try {
        fs.writeFileSync(
          CONFIG,
          `${config}\n[profile ${user}]\nregion = eu-west-1\n${mfa ? `mfa_serial = ${serial}\n` : ''}` +
            `\n[profile ${role}]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = ${user}\n`,
        );
        fs.writeFileSync(
          CREDENTIALS,
          `${credentials}\n[${user}]\naws_access_key_id = ${old.AccessKeyId}\naws_secret_access_key = ${old.SecretAccessKey}\n`,
        );
        await vscode.commands.executeCommand('iamSwitchboard.refresh');

        // Before: the key is in the file. Move it to the keychain.
        assert.ok(fs.readFileSync(CREDENTIALS, 'utf8').includes(old.SecretAccessKey));
        await vscode.commands.executeCommand('iamSwitchboard.moveKeysToKeychain', { profile: user });
        const moved = fs.readFileSync(CREDENTIALS, 'utf8');
        assert.equal(moved.includes(old.SecretAccessKey) || moved.includes(old.AccessKeyId), false, 'the key left the file');
        assert.match(moved, new RegExp(`^credential_process = .*--keychain-profile ${user} `, 'm'));
        assert.ok(moved.startsWith(credentials), 'the other profiles are unchanged');
        await vscode.commands.executeCommand('iamSwitchboard.refresh');

        // The CLI through credential_process, and a role assumed from the profile.
        assert.equal(await callerArn({ AWS_PROFILE: user }), userArn);
        const roleArn = `arn:aws:sts::222222222222:assumed-role/ReadOnly/`;
        assert.ok((await assume(role))?.startsWith(roleArn), 'the role from the moved key');
        await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
        const open = await openTerminal(role);
        terminals.push(open.terminal);
        assert.ok((await open.arn()).startsWith(roleArn), 'a terminal as the role');

        // Rotate.
        const asked = you.seen.length;
        await vscode.commands.executeCommand('iamSwitchboard.rotateAccessKey', { profile: user });
        const errors = you.seen.slice(asked).filter((s) => s.kind === 'error');
        assert.deepEqual(errors, [], 'no error');
        const inputs = you.seen.slice(asked).filter((s) => s.kind === 'input');
        if (mfa) assert.equal(inputs.length === 1 && inputs[0].message.includes(serial), true, JSON.stringify(inputs));
        else assert.deepEqual(inputs, [], 'no MFA code asked');
        const done = you.seen.find((s) => s.message.startsWith(`Rotated the access key of profile '${user}'`));
        const newId = /: (AKIA\w+) is in use/.exec(done?.message ?? '')?.[1];
        assert.ok(newId && newId !== old.AccessKeyId, done?.message);
        assert.deepEqual(await keyIds(user), [newId], 'IAM has the new key only');

        // The old key is refused; the new one works through the keychain, for the CLI and for a new AssumeRole.
        const refused = await callerArn({ AWS_ACCESS_KEY_ID: old.AccessKeyId, AWS_SECRET_ACCESS_KEY: old.SecretAccessKey }).then(
          () => 'accepted',
          (error: { stderr?: string }) => error.stderr ?? '',
        );
        assert.match(refused, /InvalidClientTokenId/);
        assert.equal(fs.readFileSync(CREDENTIALS, 'utf8'), moved, 'rotation wrote nothing to the file');
        assert.equal(await callerArn({ AWS_PROFILE: user }), userArn);
        await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
        const before = await assumeCount();
        assert.ok((await assume(role))?.startsWith(roleArn), 'the role from the new key');
        assert.equal(await assumeCount(), before + 1, 'a new AssumeRole');
        assert.ok((await open.arn()).startsWith(roleArn), 'the terminal opened before the rotation still works');
        await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
        const again = await openTerminal(role);
        terminals.push(again.terminal);
        assert.ok((await again.arn()).startsWith(roleArn), 'a terminal opened after the rotation');
        assert.equal(await assumeCount(), before + 2, 'its role assumed again, from the new key');

        // Neither secret in any message or file of the HOME (the run scans VS Code's own folders after it stops).
        const issued = (await (await fetch(`${awsUrl}/__test/issued`)).json()) as string[];
        const newSecret = issued[issued.indexOf(newId) + 1];
        assert.ok(newSecret && newSecret.length >= 30);
        const secrets = [old.SecretAccessKey, newSecret];
        assert.equal(
          you.seen.some((s) => secrets.some((x) => `${s.message}${s.detail ?? ''}`.includes(x))),
          false,
          'no secret in a message',
        );
        assert.deepEqual(filesHolding(home, secrets), [], 'no secret in a file of the HOME');
      } finally {
        you.restore();
        terminals.forEach((t) => t.dispose());
        fs.writeFileSync(CONFIG, config);
        fs.writeFileSync(CREDENTIALS, credentials);
        await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
        await vscode.commands.executeCommand('iamSwitchboard.refresh');
      }
    });
  }
});
