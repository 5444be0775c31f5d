// The Rotate Access Key command as a person runs it, in plain Node with the thin fake `vscode`: a keychain key is
// rotated and the message names both keys; MFA is asked through the one MFA prompt; a key still in
// ~/.aws/credentials is never rotated into a file: it is moved to the keychain first, after the person's yes.
import { fake, fakeLog } from '../model/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { registerRotateAccessKey } from '../../../src/commands/rotateKey';
import { loadAwsConfig, type AwsConfig } from '../../../src/core/aws/config';
import type { Settings } from '../../../src/configuration/settings';
import type { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { MFA_SECRET, MemoryKeyHolder, mfaSerial, userWithKey } from '../../support/accessKeys';

let server: AwsServer;
let dir: string;
let config: AwsConfig;
const rotated: string[] = [];

before(async () => {
  server = await startAwsServer({ keyPropagationMs: 300 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-command-'));
  fs.writeFileSync(path.join(dir, 'config'), '[profile in-file]\n[profile keychain-mfa]\nmfa_serial = ' + mfaSerial('command-mfa') + '\n');
  fs.writeFileSync(
    path.join(dir, 'credentials'),
    '[in-file]\naws_access_key_id = AKIAINFILE0000000001\naws_secret_access_key = inFileSecret0000000000000000000000000001\n',
  );
  config = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
});
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await server.close();
});
beforeEach(() => {
  fake.said.length = 0;
  fake.commands.clear();
  rotated.length = 0;
});

function register(holder: MemoryKeyHolder): void {
  const settings = () =>
    ({ iamEndpoint: server.url, stsEndpoint: server.url, region: 'us-east-1', requestTimeoutMs: 5000 }) as unknown as Settings;
  const catalog = { get: async () => ({ config, catalog: { roles: [] } }) } as unknown as RoleCatalogStore;
  const context = { subscriptions: [] } as unknown as vscode.ExtensionContext;
  const log = fakeLog('log') as unknown as vscode.LogOutputChannel;
  registerRotateAccessKey(context, { catalog, settings, log, holder, rotated: (profile) => rotated.push(profile) });
}

const run = (profile: string) => fake.commands.get('iamSwitchboard.rotateAccessKey')!({ profile });

describe('the Rotate Access Key command', () => {
  test('rotates the keychain key of the row it was run on, and says which key is in use now', async () => {
    const old = userWithKey(server, 'command-plain');
    const holder = new MemoryKeyHolder('keychain-plain', old);
    register(holder);
    await run('keychain-plain');
    const fresh = holder.keys.get('keychain-plain')!;
    assert.notEqual(fresh.accessKeyId, old.accessKeyId);
    assert.ok(
      fake.said.includes(`Rotated the access key of profile 'keychain-plain': ${fresh.accessKeyId} is in use, ${old.accessKeyId} deleted.`),
      fake.said.join('\n'),
    );
    assert.deepEqual(rotated, ['keychain-plain']);
    assert.ok(
      !fake.said.some((line) => line.includes(fresh.secretAccessKey) || line.includes(old.secretAccessKey)),
      'no secret said or logged',
    );
  });

  test("asks the profile's MFA device for a code when the policy wants MFA", async () => {
    const old = userWithKey(server, 'command-mfa', { mfa: true });
    const holder = new MemoryKeyHolder('keychain-mfa', old);
    const asked: string[] = [];
    fake.mfaCode = (serial) => (asked.push(serial), totp(MFA_SECRET));
    register(holder);
    await run('keychain-mfa');
    assert.deepEqual(asked, [mfaSerial('command-mfa')]);
    assert.notEqual(holder.keys.get('keychain-mfa')!.accessKeyId, old.accessKeyId);
  });

  test('a key still in ~/.aws/credentials is moved to the keychain first, and nothing happens when the person declines', async () => {
    register(new MemoryKeyHolder());
    await run('in-file');
    assert.deepEqual(
      fake.said.filter((line) => !line.startsWith('log ')),
      [
        "The key of profile 'in-file' is in ~/.aws/credentials. A rotated key is never written to a file: move this one to the keychain first?",
      ],
    );
    assert.equal(fs.readFileSync(path.join(dir, 'credentials'), 'utf8').includes('AKIAINFILE0000000001'), true);
    assert.deepEqual(rotated, []);
  });
});
