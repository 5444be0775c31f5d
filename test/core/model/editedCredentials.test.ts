// A person edits ~/.aws/credentials while VS Code is open (`aws configure` after making a new key in the console,
// then deleting the old one) and never opened the AWS Roles view: they switch from the status bar. The next switch
// must use the new key at once. Over the real role catalog store (its file watch) and the role assumption with its
// source-credential cache, against the local AWS server; plain Node with the fake vscode.
import './fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Settings } from '../../../src/configuration/settings';
import { assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { addKey, CENTRAL_ACCOUNT, type TestKey, userWithKey } from '../../support/accessKeys';

const ROLE_ARN = 'arn:aws:iam::222222222222:role/ReadOnly';
/** How long the watch may take to notice a written file: far more than it needs, on a loaded machine too. */
const NOTICE_BOUND_MS = 10_000;

const credentialsText = (key: TestKey) =>
  `[central]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;

describe('a person edits ~/.aws/credentials while VS Code is open', () => {
  let server: AwsServer;
  let dir: string;
  let store: RoleCatalogStore;
  const env = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };

  before(async () => {
    server = await startAwsServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edited-credentials-'));
    fs.writeFileSync(
      path.join(dir, 'config'),
      `[profile central]\nregion = eu-west-1\n\n[profile dev]\nrole_arn = ${ROLE_ARN}\nsource_profile = central\n`,
    );
    // This test's own process (node --test runs each file alone): the store reads the files the environment names.
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
    store = new RoleCatalogStore(() => ({ accounts: [], terraformRoleArns: [] }) as unknown as Settings);
  });
  after(async () => {
    store.dispose();
    for (const [name, value] of [
      ['AWS_CONFIG_FILE', env.config],
      ['AWS_SHARED_CREDENTIALS_FILE', env.credentials],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it('the next switch uses the new key, although the AWS Roles view never showed', async () => {
    const old = userWithKey(server, 'central-editor');
    const user = server.identities.getUser(CENTRAL_ACCOUNT, 'central-editor')!;
    user.inlinePolicies.set(
      'AssumeReadOnly',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE_ARN }] }),
    );
    fs.writeFileSync(path.join(dir, 'credentials'), credentialsText(old), { mode: 0o600 });
    const cache = new StsCache(); // as the window's role session keeps it: one source credential per loaded config
    const switchToDev = async () => {
      const { config, catalog } = await store.get();
      const dev = catalog.roles.find((r) => r.profile === 'dev');
      assert.ok(dev, 'the role profile is in the catalog');
      return assumeRole(dev, { config, cache, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 });
    };
    assert.match((await switchToDev()).arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);

    // The person makes a new key, puts it in the file (as `aws configure` does) and deletes the old one.
    const fresh = addKey(server, 'central-editor');
    const noticed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), NOTICE_BOUND_MS);
      const listener = store.onDidChange(() => (clearTimeout(timer), listener.dispose(), resolve(true)));
    });
    fs.writeFileSync(path.join(dir, 'credentials'), credentialsText(fresh));
    server.identities.deleteAccessKey(old.accessKeyId);
    assert.equal(await noticed, true, 'the catalog noticed the edited file');

    const identity = await switchToDev();
    assert.match(identity.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);
  });
});
