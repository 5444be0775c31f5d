// A person edits ~/.aws/credentials while VS Code is open (`aws configure` after making a new key in the console,
// then deleting the old one) and never opened the AWS Roles view: they switch from the status bar. The next switch
// must use the new key at once. And a newcomer with no ~/.aws folder yet sees the roles `aws configure` writes. Over
// the real role catalog store (its file watch) and the role assumption with its source-credential cache, against the
// local AWS server; plain Node with the fake vscode.
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

/** A window's catalog store of the files in `folder`, which it takes from the environment when it is made. */
function storeOf(folder: string): RoleCatalogStore {
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
  process.env.AWS_CONFIG_FILE = path.join(folder, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(folder, 'credentials');
  try {
    return new RoleCatalogStore(() => ({ accounts: [], terraformRoleArns: [] }) as unknown as Settings);
  } finally {
    restore('AWS_CONFIG_FILE', saved.config);
    restore('AWS_SHARED_CREDENTIALS_FILE', saved.credentials);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Whether the store says its catalog changed within the bound (its watch saw the files change). */
function changeOf(store: RoleCatalogStore): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), NOTICE_BOUND_MS);
    const listener = store.onDidChange(() => (clearTimeout(timer), listener.dispose(), resolve(true)));
  });
}

const DEV_CONFIG = `[profile central]\nregion = eu-west-1\n\n[profile dev]\nrole_arn = ${ROLE_ARN}\nsource_profile = central\n`;

describe('a person edits ~/.aws while VS Code is open', () => {
  let server: AwsServer;
  let dir: string;
  const stores: RoleCatalogStore[] = [];

  before(async () => {
    server = await startAwsServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edited-credentials-'));
  });
  after(async () => {
    stores.forEach((s) => s.dispose());
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
    const aws = path.join(dir, 'switcher');
    fs.mkdirSync(aws);
    fs.writeFileSync(path.join(aws, 'config'), DEV_CONFIG);
    fs.writeFileSync(path.join(aws, 'credentials'), credentialsText(old), { mode: 0o600 });
    const store = storeOf(aws);
    stores.push(store);
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
    const noticed = changeOf(store);
    fs.writeFileSync(path.join(aws, 'credentials'), credentialsText(fresh));
    server.identities.deleteAccessKey(old.accessKeyId);
    assert.equal(await noticed, true, 'the catalog noticed the edited file');

    const identity = await switchToDev();
    assert.match(identity.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);
  });

  it('a newcomer with no ~/.aws folder runs `aws configure`: the roles appear without Refresh', async () => {
    const home = path.join(dir, 'newcomer');
    fs.mkdirSync(home);
    const aws = path.join(home, '.aws');
    const store = storeOf(aws);
    stores.push(store);
    assert.equal((await store.get()).catalog.roles.length, 0, 'no roles before');

    const noticed = changeOf(store);
    fs.mkdirSync(aws); // `aws configure` makes the folder, then writes the files
    assert.equal(await noticed, true, 'the catalog noticed the new folder');
    const written = changeOf(store);
    const roles = store.get(); // as the tree does on the change: from here on the folder itself is watched
    fs.writeFileSync(path.join(aws, 'config'), DEV_CONFIG);
    await roles;
    assert.equal(await written, true, 'the catalog noticed the written file');
    assert.deepEqual(
      (await store.get()).catalog.roles.map((r) => r.profile),
      ['dev'],
    );
  });
});
