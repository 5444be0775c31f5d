// Move Access Keys to the Keychain inside VS Code (code-server): the modal shows the masked change and, in a browser
// workbench, that its keychain is the browser's; after the person agrees the file holds no key, and the real AWS CLI
// still gets the profile's key through the credential_process line from this window's keychain socket. Then the way
// back restores the file. The person's answers are given by replacing the warning for the test; the credentials file
// is one of the test's own (AWS_SHARED_CREDENTIALS_FILE, set in this extension host for the test only).
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
const BOB_ID = 'AKIALOCALBOB00000001';
const BOB_SECRET = 'bobLocalSecretKey0000000000000000000000B';
const BOB_ARN = 'arn:aws:iam::111111111111:user/bob';
const FILE = `# the central user\n[mover]\naws_access_key_id = ${BOB_ID}\naws_secret_access_key = ${BOB_SECRET}\nregion = eu-west-1\n`;

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

/** The AWS CLI's caller ARN for profile `mover` of `file`, with no other AWS setting. Async: this host serves it. */
async function callerArn(home: string, file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    AWS_CLI,
    ['sts', 'get-caller-identity', '--endpoint-url', awsUrl, '--query', 'Arn', '--output', 'text'],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: file,
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
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-move-'));
    const file = path.join(home, 'credentials');
    fs.writeFileSync(file, FILE, { mode: 0o600 });
    const previous = process.env.AWS_SHARED_CREDENTIALS_FILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
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
      const moved = fs.readFileSync(file, 'utf8');
      assert.equal(moved.includes(BOB_SECRET) || moved.includes(BOB_ID), false, moved);
      assert.match(moved, /^credential_process = .*--keychain-profile mover /m);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(await callerArn(home, file), BOB_ARN);

      const back = answering('Write Keys');
      try {
        await vscode.commands.executeCommand('iamSwitchboard.moveKeysToFile', { profile: 'mover' });
      } finally {
        back.restore();
      }
      assert.equal(fs.readFileSync(file, 'utf8'), FILE);
    } finally {
      if (previous === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      else process.env.AWS_SHARED_CREDENTIALS_FILE = previous;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
