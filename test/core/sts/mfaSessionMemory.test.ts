// Reload Window keeps the MFA session (issue 19: "Reload Window drops the role and asks for MFA again"): the
// GetSessionToken credentials go to a secret box (VS Code's SecretStorage) and come back in the next window's
// cache, so the MFA role is assumed again without a code while that session is valid, and never after.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAwsConfig, type AwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { assumeRole, type AssumeOptions, needsMfaCode, StsCache } from '../../../src/core/sts/assumeRole';
import {
  forgetKeptMfaSessions,
  keepMfaSessions,
  MFA_SESSIONS_SECRET,
  restoreMfaSessions,
  type SecretBox,
} from '../../../src/core/sts/mfaSessionMemory';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let server: AwsServer;
let config: AwsConfig;
let prodAdmin: RoleEntry;

class MemoryBox implements SecretBox {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

function options(cache: StsCache, mfaCode: AssumeOptions['mfaCode']): AssumeOptions {
  return { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache, mfaCode };
}

before(async () => {
  server = await startAwsServer();
  config = await loadAwsConfig({
    configPath: path.join(FIXTURES, 'config'),
    credentialsPath: path.join(FIXTURES, 'credentials'),
  });
  prodAdmin = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'prod-admin')!;
});
after(() => server.close());

describe('MFA sessions across a reload', () => {
  it('a new window with the kept MFA session assumes the MFA role again without asking a code', async () => {
    const box = new MemoryBox();
    const before = new StsCache();
    await assumeRole(
      prodAdmin,
      options(before, async () => totp(BOB_TOTP)),
    );
    await keepMfaSessions(before, box);
    assert.ok(box.values.has(MFA_SESSIONS_SECRET));

    const after = new StsCache(); // the reloaded window
    assert.equal(needsMfaCode(prodAdmin, after), true, 'without the kept session a code would be asked');
    assert.equal(await restoreMfaSessions(after, box), 1);
    assert.equal(needsMfaCode(prodAdmin, after), false);
    const again = await assumeRole(
      prodAdmin,
      options(after, async () => assert.fail('no code may be asked while the MFA session is valid')),
    );
    assert.equal(again.arn, 'arn:aws:sts::333333333333:assumed-role/Admin/bob');
  });

  it('what was written last is not written again: a write only when the usable sessions change', async () => {
    const box = new MemoryBox();
    const writes: string[] = [];
    const counting: SecretBox = {
      get: (key) => box.get(key),
      store: (key, value) => (writes.push('store'), box.store(key, value)),
      delete: (key) => (writes.push('delete'), box.delete(key)),
    };
    const cache = new StsCache();
    const last = {};
    await assumeRole(
      prodAdmin,
      options(cache, async () => totp(BOB_TOTP)),
    );
    await keepMfaSessions(cache, counting, Date.now(), last);
    // A refresh of the same role reuses its MFA session: nothing new to keep.
    await assumeRole(
      prodAdmin,
      options(cache, async () => assert.fail('the MFA session is reused')),
    );
    await keepMfaSessions(cache, counting, Date.now(), last);
    assert.deepEqual(writes, ['store']);
    const [[, session]] = cache.mfaSessionEntries();
    const ended = session.expiration!.getTime();
    await keepMfaSessions(cache, counting, ended, last);
    await keepMfaSessions(cache, counting, ended, last);
    assert.deepEqual(writes, ['store', 'delete']);
    assert.equal(box.values.has(MFA_SESSIONS_SECRET), false);
  });

  it('a kept session near or past its end is not restored, and an unreadable entry is ignored', async () => {
    const box = new MemoryBox();
    const cache = new StsCache();
    await assumeRole(
      prodAdmin,
      options(cache, async () => totp(BOB_TOTP)),
    );
    await keepMfaSessions(cache, box);
    const [[, session]] = cache.mfaSessionEntries();
    const later = session.expiration!.getTime() - 60_000; // within the reuse margin: a code would be asked anyway
    assert.equal(await restoreMfaSessions(new StsCache(), box, later), 0);
    await keepMfaSessions(cache, box, later);
    assert.equal(box.values.has(MFA_SESSIONS_SECRET), false, 'nothing usable left: the secret is deleted');
    await box.store(MFA_SESSIONS_SECRET, 'not json');
    assert.equal(await restoreMfaSessions(new StsCache(), box), 0);
  });

  it("forgetting a profile drops its MFA sessions only, in the cache and in the kept copy, not a similar name's", async () => {
    const box = new MemoryBox();
    const cache = new StsCache();
    const session = { accessKeyId: 'ASIAKEPT', secretAccessKey: 'kept', sessionToken: 't', expiration: new Date(Date.now() + 3_600_000) };
    const keys = ['bob|arn:aws:iam::111111111111:mfa/bob', 'bob|GAHT12345678', 'bob|x|arn:aws:iam::1:mfa/x', 'bobby|arn:aws:iam::1:mfa/b'];
    for (const key of keys) cache.setMfaSession(key, session);
    await keepMfaSessions(cache, box);
    cache.forgetProfile('bob');
    await forgetKeptMfaSessions(box, 'bob');
    const left = ['bob|x|arn:aws:iam::1:mfa/x', 'bobby|arn:aws:iam::1:mfa/b'];
    assert.deepEqual(
      cache.mfaSessionEntries().map(([key]) => key),
      left,
    );
    assert.deepEqual(Object.keys(JSON.parse(box.values.get(MFA_SESSIONS_SECRET)!)), left);
    cache.forgetProfile('bob|x');
    cache.forgetProfile('bobby');
    await forgetKeptMfaSessions(box, 'bob|x');
    await forgetKeptMfaSessions(box, 'bobby');
    assert.deepEqual(cache.mfaSessionEntries(), []);
    assert.equal(box.values.has(MFA_SESSIONS_SECRET), false, 'nothing left: the secret is deleted');
  });
});
