// Which key a profile rotates: the keychain's when it holds one, else the static key still in ~/.aws/credentials
// (read by the SDK's own loader), nothing for temporary or non-key profiles; and the MFA device its user signs with.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import type { AwsConfig } from '../../../src/core/aws/config';
import { mfaSerialOf, profileKey } from '../../../src/core/keys/profileKey';
import { MemoryKeyHolder } from '../../support/accessKeys';

const FILE_KEY = { accessKeyId: 'AKIAFILEKEY000000001', secretAccessKey: 'fileSecret000000000000000000000000000001' };
const KEYCHAIN_KEY = { accessKeyId: 'AKIAKEYCHAIN00000001', secretAccessKey: 'keychainSecret00000000000000000000000001' };

let dir: string;
let config: AwsConfig;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-key-'));
  const configPath = path.join(dir, 'config');
  const credentialsPath = path.join(dir, 'credentials');
  fs.writeFileSync(
    configPath,
    [
      '[profile central]',
      'region = eu-west-1',
      '[profile prod]',
      'role_arn = arn:aws:iam::333333333333:role/Admin',
      'source_profile = central',
      'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
      '[profile temporary]',
      '[profile sso]',
      'sso_start_url = https://example.awsapps.com/start',
      'sso_region = eu-west-1',
      'sso_account_id = 111111111111',
      'sso_role_name = Dev',
    ].join('\n'),
  );
  fs.writeFileSync(
    credentialsPath,
    [
      '[central]',
      `aws_access_key_id = ${FILE_KEY.accessKeyId}`,
      `aws_secret_access_key = ${FILE_KEY.secretAccessKey}`,
      '[temporary]',
      'aws_access_key_id = ASIATEMPORARY0000001',
      'aws_secret_access_key = temporarySecret',
      'aws_session_token = token',
    ].join('\n'),
  );
  config = await loadAwsConfig({ configPath, credentialsPath });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a profile's key", () => {
  test('the static key still in the credentials file, said to be there', async () => {
    assert.deepEqual(await profileKey('central', config), { where: 'file', key: FILE_KEY });
  });

  test('the keychain wins over the file once it holds the key', async () => {
    assert.deepEqual(await profileKey('central', config, new MemoryKeyHolder('central', KEYCHAIN_KEY)), {
      where: 'keychain',
      key: KEYCHAIN_KEY,
    });
  });

  test('temporary keys, Identity Center and role profiles have no key to rotate', async () => {
    assert.equal(await profileKey('temporary', config), undefined);
    assert.equal(await profileKey('sso', config), undefined);
    assert.equal(await profileKey('prod', config), undefined);
  });

  test("the user's MFA device comes from the roles it is the source of", () => {
    assert.equal(mfaSerialOf('central', config), 'arn:aws:iam::111111111111:mfa/alice');
    assert.equal(mfaSerialOf('sso', config), undefined);
  });
});
