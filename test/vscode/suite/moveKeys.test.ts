// Move Access Keys to the Keychain inside VS Code (code-server): the modal shows the masked change and, in a browser
// workbench, that its keychain is the browser's; after the person agrees the file holds no key, and the real AWS CLI
// still gets the profile's key through the credential_process line from this window's keychain socket. Then the way
// back restores the file. The person's answers are given by replacing the warning for the test. The profile goes
// into the demo HOME's ~/.aws/credentials for the test only (restored after), the file the extension reads: the test
// never changes AWS_SHARED_CREDENTIALS_FILE in this extension host, whose environment every later test shares (when
// this test came first, the extension activated inside it and read the roles from that file for the rest of the run).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { shared } from './helpers';

const { awsUrl, home } = shared() as ReturnType<typeof shared> & { home: string };
const AWS_CLI = '/usr/bin/aws';
const CREDENTIALS = path.join(home, '.aws', 'credentials');
const BOB_ID = 'AKIALOCALBOB00000001';
const BOB_SECRET = 'bobLocalSecretKey0000000000000000000000B';
const BOB_ARN = 'arn:aws:iam::111111111111:user/bob';
const SECTION = `\n# the central user\n[mover]\naws_access_key_id = ${BOB_ID}\naws_secret_access_key = ${BOB_SECRET}\nregion = eu-west-1\n`;

/** Answers every warning with its button that starts with `button`; records what was asked and its detail. */
function answering(button: string) {
  const window = vscode.window as { showWarningMessage: unknown };
  const original = window.showWarningMessage;
  const seen: { message: string; detail?: string }[] = [];
  window.showWarningMessage = async (message: string, options: vscode.MessageOptions, ...items: string[]) => {
    seen.push({ message, detail: options?.detail });
    return items.find((item) => item.startsWith(button));
  };
  return { seen, restore: () => (window.showWarningMessage = original) };
}

/** The AWS CLI's caller ARN for profile `mover` of the demo HOME, with no other AWS setting. Async: this host serves it. */
async function callerArn(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    AWS_CLI,
    ['sts', 'get-caller-identity', '--endpoint-url', awsUrl, '--query', 'Arn', '--output', 'text'],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
        AWS_SHARED_CREDENTIALS_FILE: CREDENTIALS,
        AWS_PROFILE: 'mover',
        AWS_DEFAULT_REGION: 'eu-west-1',
      },
    },
  );
  return stdout.trim();
}

suite('move access keys to the keychain', () => {
  test('the key leaves the file after the masked preview, the AWS CLI still works, and the way back restores it', async function () {
    if (!fs.existsSync(AWS_CLI)) this.skip();
    const original = fs.readFileSync(CREDENTIALS, 'utf8');
    const originalMode = fs.statSync(CREDENTIALS).mode & 0o777;
    // As `aws configure` leaves it: readable by its owner only. The move must keep that.
    fs.writeFileSync(CREDENTIALS, `${original}${SECTION}`);
    fs.chmodSync(CREDENTIALS, 0o600);
    try {
      const move = answering('Move');
      try {
        await vscode.commands.executeCommand('iamSwitchboard.moveKeysToKeychain', { profile: 'mover' });
      } finally {
        move.restore();
      }
      assert.equal(move.seen.length, 1, 'one question');
      const detail = move.seen[0].detail ?? '';
      assert.ok(detail.includes('- aws_secret_access_key = ********'), detail);
      assert.equal(detail.includes(BOB_SECRET), false);
      if (vscode.env.uiKind === vscode.UIKind.Web) assert.match(detail, /runs in a browser/);
      const file = fs.readFileSync(CREDENTIALS, 'utf8');
      assert.ok(file.startsWith(original), 'the other profiles are unchanged');
      // The demo's [bob] holds the same key: only the moved profile's lines are the test's.
      const moved = file.slice(original.length);
      assert.equal(moved.includes(BOB_SECRET) || moved.includes(BOB_ID), false, moved);
      assert.match(moved, /^credential_process = .*--keychain-profile mover /m);
      assert.equal(fs.statSync(CREDENTIALS).mode & 0o777, 0o600);
      assert.equal(await callerArn(), BOB_ARN);

      const back = answering('Write Keys');
      try {
        await vscode.commands.executeCommand('iamSwitchboard.moveKeysToFile', { profile: 'mover' });
      } finally {
        back.restore();
      }
      assert.equal(fs.readFileSync(CREDENTIALS, 'utf8'), `${original}${SECTION}`);
    } finally {
      fs.writeFileSync(CREDENTIALS, original);
      fs.chmodSync(CREDENTIALS, originalMode);
      await vscode.commands.executeCommand('iamSwitchboard.refresh');
    }
  });
});
