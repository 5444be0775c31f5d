// Moving keys out of ~/.aws/credentials: the plan changes only the chosen profiles' key lines, the preview shows
// exactly what is written (secrets masked), and a file the AWS CLI cannot read, or one that changed after the
// preview, is left as it was with one sentence.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { replaceFileText } from '../../../src/core/aws/configBlock';
import { fileKeys, KEYCHAIN_COMMENT, keychainProfiles, planKeyMove, planKeyReturn } from '../../../src/core/keys/credentialsFile';
import { UserError } from '../../../src/core/userError';

const ALICE_ID = 'AKIALOCALALICE000001';
const ALICE_SECRET = 'aliceLocalSecretKey00000000000000000000A';
const BOB_SECRET = 'bobLocalSecretKey0000000000000000000000B';
const LINE = (profile: string) => `/usr/bin/node /helper.js --keychain-profile ${profile}`;

const FILE = [
  '# My keys; do not share.',
  '[default]',
  '; the central user',
  `aws_access_key_id = ${ALICE_ID}`,
  `aws_secret_access_key = ${ALICE_SECRET}`,
  'region = eu-west-1',
  '',
  '[bob]',
  'aws_access_key_id = AKIALOCALBOB00000001',
  `aws_secret_access_key = ${BOB_SECRET}`,
  '',
  '[temporary]',
  'aws_access_key_id = ASIALOCALTEMP0000001',
  'aws_secret_access_key = tempSecret',
  'aws_session_token = token',
  '',
].join('\n');

function tempFile(text: string, mode: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-keys-'));
  const file = path.join(dir, 'credentials');
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

describe('moving keys out of the credentials file', () => {
  it('offers only long-lived keys of their own: no session token, no ASIA key, no credential_process beside them', () => {
    const extra = '[both]\naws_access_key_id = AKIALOCALBOTH0000001\naws_secret_access_key = s\ncredential_process = /bin/true\n';
    assert.deepEqual(
      fileKeys(FILE + extra).map((k) => k.profile),
      ['default', 'bob'],
    );
  });

  it("replaces only the chosen profile's key lines: comments, other keys and other profiles stay as they were", () => {
    const plan = planKeyMove(FILE, ['default'], LINE);
    assert.equal(plan.after.includes(ALICE_SECRET), false);
    assert.equal(plan.after.includes(ALICE_ID), false);
    assert.deepEqual(plan.moved, [{ profile: 'default', key: { accessKeyId: ALICE_ID, secretAccessKey: ALICE_SECRET } }]);
    const expected = FILE.replace(
      `aws_access_key_id = ${ALICE_ID}\naws_secret_access_key = ${ALICE_SECRET}\n`,
      `${KEYCHAIN_COMMENT}\ncredential_process = ${LINE('default')}\n`,
    );
    assert.notEqual(expected, FILE);
    assert.equal(plan.after, expected);
  });

  it('keeps Windows line ends', () => {
    const crlf = FILE.replace(/\n/g, '\r\n');
    const plan = planKeyMove(crlf, ['bob'], LINE);
    assert.equal(plan.after.replace(/\r\n/g, ''), plan.after.replace(/\r\n/g, '').replace(/\n/g, ''), 'no bare newline');
    assert.ok(plan.after.includes(`credential_process = ${LINE('bob')}\r\n`));
    assert.equal(plan.after.includes(BOB_SECRET), false);
  });

  it('shows as the preview exactly the lines written, the secrets masked', async () => {
    const file = tempFile(FILE, 0o640);
    const plan = planKeyMove(FILE, ['default', 'bob'], LINE);
    assert.equal(plan.preview.includes(ALICE_SECRET) || plan.preview.includes(BOB_SECRET), false);
    await replaceFileText(file, plan.before, plan.after, 'stale');
    const written = fs.readFileSync(file, 'utf8');
    assert.equal(written, plan.after);
    // Every '+' line of the preview is a line of the file now, every '-' line (masked) one that was removed.
    const body = plan.preview.split('\n');
    const added = body.filter((l) => l.startsWith('+ ')).map((l) => l.slice(2));
    const removed = body.filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
    assert.deepEqual(
      body.filter((l) => l.startsWith('[')),
      ['[default]', '[bob]'],
    );
    assert.deepEqual(added, [
      KEYCHAIN_COMMENT,
      `credential_process = ${LINE('default')}`,
      KEYCHAIN_COMMENT,
      `credential_process = ${LINE('bob')}`,
    ]);
    assert.deepEqual(removed, [
      `aws_access_key_id = ${ALICE_ID}`,
      'aws_secret_access_key = ********',
      'aws_access_key_id = AKIALOCALBOB00000001',
      'aws_secret_access_key = ********',
    ]);
    for (const line of added) assert.ok(written.split('\n').includes(line));
    for (const line of removed) assert.equal(written.split('\n').includes(line.replace('********', ALICE_SECRET)), false);
    // Nothing else changed: the file is the old one without the removed lines and with the added ones in their place.
    const kept = FILE.split('\n').filter(
      (l) => !/^aws_(access_key_id|secret_access_key) = AKIALOCAL(ALICE|BOB)|^aws_secret_access_key = (alice|bob)/.test(l),
    );
    assert.deepEqual(
      written.split('\n').filter((l) => !added.includes(l)),
      kept,
    );
    assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'the mode is kept');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['credentials'], 'no temporary file left');
  });

  it('refuses a file the AWS CLI cannot read with one sentence, and leaves it untouched', () => {
    const broken = FILE.replace('region = eu-west-1', 'region = eu-west-1\nthis line is not a key');
    const file = tempFile(broken, 0o600);
    assert.throws(
      () => planKeyMove(fs.readFileSync(file, 'utf8'), ['default'], LINE),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'BrokenCredentialsFile' &&
        /fix the file first/.test(error.message) &&
        !error.message.includes(ALICE_SECRET),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), broken);
    assert.throws(
      () => planKeyMove(FILE, ['temporary'], LINE),
      (error: unknown) => (error as UserError).code === 'NoKeyToMove',
    );
  });

  it('moves a key back on request: the keychain line and its comment become the key lines again', () => {
    const moved = planKeyMove(
      FILE,
      ['default', 'bob'],
      (profile) => `/usr/bin/node /helper.js --keychain-profile ${profile} --keychain-folder /run`,
    );
    assert.deepEqual(keychainProfiles(moved.after), ['default', 'bob']);
    const back = planKeyReturn(moved.after, moved.moved.slice(0, 1));
    assert.equal(back.preview.includes(ALICE_SECRET), false);
    assert.deepEqual(keychainProfiles(back.after), ['bob']);
    assert.equal(planKeyReturn(back.after, moved.moved.slice(1)).after, FILE);
    assert.throws(
      () => planKeyReturn(FILE, moved.moved.slice(0, 1)),
      (error: unknown) => (error as UserError).code === 'NotInKeychain',
    );
  });

  it('writes nothing when the file changed after the preview', async () => {
    const file = tempFile(FILE, 0o600);
    const plan = planKeyMove(FILE, ['default'], LINE);
    fs.appendFileSync(file, '[new]\nregion = us-east-1\n');
    const changed = fs.readFileSync(file, 'utf8');
    await assert.rejects(
      replaceFileText(file, plan.before, plan.after, 'changed: run it again'),
      (error: unknown) => (error as UserError).code === 'ConfigChanged',
    );
    assert.equal(fs.readFileSync(file, 'utf8'), changed);
  });
});
