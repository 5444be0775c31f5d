// Credentials outside VS Code's terminals, end to end: what Copy Credentials As and Copy credential_process put on
// the clipboard works for the real AWS CLI — the bash lines in a shell, the profile in another tool's config file.
// The person's answers (the format, the modal's Copy button) are given by replacing the quick pick and the warning
// for the test; the clipboard is VS Code's own (a sentinel is written first, so a copy that did not happen shows).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { shared } from './helpers';

const { awsUrl } = shared();
const AWS_CLI = '/usr/bin/aws';
const READ_ONLY = 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice';
const SENTINEL = 'nothing copied yet';

/** Answers the quick pick with the item labelled `pick` and every warning with `button`; records what was asked. */
function answering(pick: string | undefined, button: string | undefined) {
  const window = vscode.window as { showQuickPick: unknown; showWarningMessage: unknown };
  const originals = { quickPick: window.showQuickPick, warning: window.showWarningMessage };
  const seen = { warnings: [] as string[] };
  window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) =>
    (await items).find((item) => item.label === pick);
  window.showWarningMessage = async (message: string) => {
    seen.warnings.push(message);
    return button;
  };
  const restore = () => {
    window.showQuickPick = originals.quickPick;
    window.showWarningMessage = originals.warning;
  };
  return { seen, restore };
}

/**
 * Runs the AWS CLI's get-caller-identity in bash after `prelude`, with no AWS setting of this machine. Not
 * execFileSync: the credential endpoint the profile asks runs in this extension host, which must stay free.
 */
async function callerArn(prelude: string, env: Record<string, string> = {}): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-copy-'));
  try {
    const script = `${prelude}\n${AWS_CLI} sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
        AWS_DEFAULT_REGION: 'eu-west-1',
        ...env,
      },
    });
    return stdout.trim();
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

suite('copying credentials out of VS Code', () => {
  let answers: ReturnType<typeof answering> | undefined;

  suiteSetup(async function () {
    if (!fs.existsSync(AWS_CLI)) this.skip();
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeRole', 'dev-readonly');
    assert.equal(arn, READ_ONLY);
  });
  setup(() => vscode.env.clipboard.writeText(SENTINEL));
  teardown(() => answers?.restore());
  suiteTeardown(() => vscode.commands.executeCommand('iamSwitchboard.clearCredentials'));

  test('Copy Credentials As bash asks first, then gives lines that make a shell the role', async () => {
    answers = answering('bash / zsh (export)', 'Copy Keys');
    await vscode.commands.executeCommand('iamSwitchboard.copyCredentialsAs');
    assert.deepEqual(answers.seen.warnings, ['Copy the secret keys of dev-readonly to the clipboard?']);
    const copied = await vscode.env.clipboard.readText();
    assert.notEqual(copied, SENTINEL);
    assert.equal(await callerArn(copied), READ_ONLY);
  });

  test('declining the warning copies nothing', async () => {
    answers = answering('bash / zsh (export)', undefined);
    await vscode.commands.executeCommand('iamSwitchboard.copyCredentialsAs');
    assert.equal(answers.seen.warnings.length, 1);
    assert.equal(await vscode.env.clipboard.readText(), SENTINEL);
  });

  test('the credential_process profile makes another tool the role active in this window', async () => {
    answers = answering(undefined, 'Copy Profile');
    // The tool's name, which "Tokens for Other Tools" lists and revokes it by.
    const window = vscode.window as { showInputBox: unknown };
    const showInputBox = window.showInputBox;
    window.showInputBox = async () => 'copy-test';
    try {
      await vscode.commands.executeCommand('iamSwitchboard.copyCredentialProcess');
    } finally {
      window.showInputBox = showInputBox;
    }
    assert.deepEqual(answers.seen.warnings, ['Copy a credential_process profile for "copy-test"?']);
    const profile = await vscode.env.clipboard.readText();
    assert.match(profile, /^\[profile vscode-copy-test\]\n/);
    assert.doesNotMatch(profile, /iamsb/, 'no token in the profile');
    const arn = await callerArn(`cat > "$AWS_CONFIG_FILE" <<'PROFILE'\n${profile}PROFILE`, { AWS_PROFILE: 'vscode-copy-test' });
    assert.equal(arn, READ_ONLY);
  });
});
