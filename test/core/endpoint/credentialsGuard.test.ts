import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CredentialsFileGuard, hasGeneratedProfile, renameGeneratedProfile } from '../../../src/core/endpoint/credentialsGuard';
import { UserError } from '../../../src/core/userError';

const TEXT = '[default]\naws_access_key_id = A\n\n[ iam-switchboard ]\naws_access_key_id = B\n[other]\nregion = x\n';

describe('credentials file guard', () => {
  it('finds the generated profile section, spaced or not, and nothing else', () => {
    assert.equal(hasGeneratedProfile(TEXT), true);
    assert.equal(hasGeneratedProfile('[default]\n[profile iam-switchboard]\n# [iam-switchboard]\n'), false);
  });

  it('renames only that section header, keeps every other line, and refuses a name already there or not a name', () => {
    assert.equal(renameGeneratedProfile(TEXT, 'mine'), TEXT.replace('[ iam-switchboard ]', '[ mine ]'));
    const refused = (name: string, code: string) =>
      assert.throws(
        () => renameGeneratedProfile(TEXT, name),
        (e: unknown) => e instanceof UserError && e.code === code,
      );
    refused('other', 'ProfileExists');
    refused('a]\n[default', 'InvalidProfileName');
    refused('iam-switchboard', 'InvalidProfileName');
  });

  it('reports a section that is already there when it starts', { timeout: 10_000 }, async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-guard-')), 'credentials');
    fs.writeFileSync(file, TEXT);
    let guard: CredentialsFileGuard | undefined;
    await new Promise<void>((resolve) => {
      guard = new CredentialsFileGuard(file, resolve);
      guard.start();
    });
    guard?.stop();
  });
});
