// IAM Identity Center in ~/.aws/config: [sso-session NAME] sections and profiles with sso_session (or the legacy
// sso_start_url/sso_region), sso_account_id and sso_role_name become roles; role profiles chain from them; and a
// token `aws sso login` left in ~/.aws/sso/cache is used, read only.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DeviceCode, IdentityCenter, cliCacheFile, instanceOf as instanceOfRef, readCliToken } from '../../../src/core/identityCenter';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, ssoRoleEntry } from '../../../src/core/catalog/roleCatalog';
import { StsCache, assumeRole } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { MemorySecrets, approveOnPage, instanceOf, settingsFor } from '../../support/identityCenter';

const CONFIG = `
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev-admin]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
region = eu-central-1

[profile legacy-prod]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 333333333333
sso_role_name = ReadOnlyAccess

[profile deploy]
role_arn = arn:aws:iam::444444444444:role/Deployer
source_profile = dev-admin

[profile token-only]
sso_session = corp

[profile lost]
sso_session = nowhere
sso_account_id = 555555555555
sso_role_name = ReadOnlyAccess
`;

let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-sso-'));
  fs.writeFileSync(path.join(dir, 'config'), CONFIG);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Identity Center profiles', () => {
  it('turns sso profiles into roles under their accounts, with the sso-session resolved', async () => {
    const config = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
    assert.deepEqual(config.ssoSessions, [{ name: 'corp', startUrl: 'https://d-1234567890.awsapps.com/start', region: 'eu-west-1' }]);
    const catalog = buildCatalog({ profiles: config.profiles });
    const byLabel = new Map(catalog.roles.map((r) => [r.label, r]));
    assert.deepEqual(byLabel.get('dev-admin')?.sso, {
      startUrl: 'https://d-1234567890.awsapps.com/start',
      region: 'eu-west-1',
      session: 'corp',
      accountId: '222222222222',
      roleName: 'AdministratorAccess',
    });
    assert.equal(byLabel.get('dev-admin')?.region, 'eu-central-1');
    assert.equal(byLabel.get('dev-admin')?.key, 'profile:dev-admin');
    assert.deepEqual(byLabel.get('legacy-prod')?.sso, {
      startUrl: 'https://legacy.awsapps.com/start',
      region: 'us-east-1',
      session: undefined,
      accountId: '333333333333',
      roleName: 'ReadOnlyAccess',
    });
    assert.deepEqual(
      catalog.accounts.map((a) => a.id),
      ['222222222222', '333333333333', '444444444444'],
    );
    assert.ok(!byLabel.has('token-only'), 'a profile without an account and role is a sign-in, not a role');
  });

  it('chains a role profile from its sso source profile', async () => {
    const config = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
    const deploy = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'deploy');
    assert.deepEqual(deploy?.source, { kind: 'profile', profile: 'dev-admin' });
    assert.equal(config.profiles.get('dev-admin')?.credentialKind, 'sso');
  });

  it('warns about an sso_session without its section', async () => {
    const config = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
    assert.deepEqual(
      config.profiles.get('lost')?.warnings.map((w) => w.code),
      ['UnknownSsoSession'],
    );
    assert.equal(
      buildCatalog({ profiles: config.profiles }).roles.some((r) => r.label === 'lost'),
      false,
    );
  });

  it('a profile role and the same discovered permission set appear once, as the profile', () => {
    const profiles = new Map([
      [
        'dev-ro',
        {
          name: 'dev-ro',
          credentialKind: 'sso' as const,
          warnings: [],
          sso: { startUrl: 'https://x/start', region: 'us-east-1', accountId: '222222222222', roleName: 'ReadOnlyAccess' },
        },
      ],
    ]);
    const entry = ssoRoleEntry(
      { startUrl: 'https://x/start', region: 'us-east-1', accountId: '222222222222', roleName: 'ReadOnlyAccess' },
      'dev/ReadOnlyAccess',
      'identityCenter',
    );
    assert.deepEqual(
      buildCatalog({ profiles: new Map(), identityCenterRoles: [entry] }).roles.map((r) => r.key),
      ['sso:https://x/start|222222222222|ReadOnlyAccess'],
    );
    assert.deepEqual(
      buildCatalog({ profiles, identityCenterRoles: [entry] }).roles.map((r) => r.key),
      ['profile:dev-ro'],
    );
  });
});

describe('AWS CLI token cache', () => {
  let aws: AwsServer;
  let sso: SsoServer;
  let home: string;
  let cliToken: { accessToken: string; refreshToken?: string };

  before(async () => {
    aws = await startAwsServer();
    sso = await startSsoServer({ identities: aws.identities });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-home-'));
    // A real token from the server, as `aws sso login` would have got it.
    const secrets = new MemorySecrets();
    const center = new IdentityCenter(instanceOf(sso), secrets, settingsFor(sso), { useAwsCliCache: false });
    let code: DeviceCode | undefined;
    await center.signIn({
      onCode: (c) => void (code = c),
      sleep: async (ms) => {
        sso.advanceClock(ms);
        await approveOnPage(code!);
      },
    });
    cliToken = await center.token();
  });
  after(async () => {
    fs.rmSync(home, { recursive: true, force: true });
    await sso.close();
    await aws.close();
  });

  /** The file as the AWS CLI v2 writes it (fields of the SDK's SSOToken), under the SDK's own file name. */
  function writeCliCache(id: string, fields: Record<string, unknown> = {}): string {
    const file = cliCacheFile(id, home);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify(
        {
          startUrl: sso.startUrl,
          region: sso.region,
          accessToken: cliToken.accessToken,
          expiresAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          clientId: 'cli-client-id',
          clientSecret: 'cli-client-secret-TEST',
          registrationExpiresAt: new Date(Date.now() + 86400_000).toISOString(),
          refreshToken: cliToken.refreshToken,
          ...fields,
        },
        null,
        2,
      ),
    );
    return file;
  }

  it('names the file as the SDK does: sha1 of the sso-session name or the start URL', async () => {
    const { getSSOTokenFilepath } = await import('@smithy/shared-ini-file-loader');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      assert.equal(cliCacheFile('corp', home), getSSOTokenFilepath('corp'));
      assert.equal(cliCacheFile(sso.startUrl, home), getSSOTokenFilepath(sso.startUrl));
    } finally {
      process.env.HOME = saved;
    }
  });

  it('uses a valid CLI token for discovery without signing in, and never writes the file', async () => {
    const file = writeCliCache('local-session');
    const before = fs.readFileSync(file, 'utf8');
    const mtime = fs.statSync(file).mtimeMs;
    const secrets = new MemorySecrets();
    const center = new IdentityCenter({ ...instanceOf(sso), sessionName: 'local-session' }, secrets, settingsFor(sso), { home });
    assert.deepEqual((await center.state()).source, 'awsCli');
    const directory = await center.discover();
    assert.equal(directory.accounts.length, 6);
    assert.equal(secrets.values.size, 0, 'nothing copied into our store');
    assert.equal(fs.readFileSync(file, 'utf8'), before);
    assert.equal(fs.statSync(file).mtimeMs, mtime);
    fs.rmSync(file);
  });

  it('reads a legacy profile token by start URL and the old "UTC" expiry format', async () => {
    const file = writeCliCache(sso.startUrl, { expiresAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'UTC') });
    const token = await readCliToken(instanceOf(sso), {}, home);
    assert.equal(token?.accessToken, cliToken.accessToken);
    assert.equal(token?.source, 'awsCli');
    assert.equal(token?.refreshToken, undefined, "the CLI's refresh token is not ours to rotate");
    fs.rmSync(file);
  });

  it('ignores an expired CLI token, one for another start URL, and a broken file', async () => {
    writeCliCache('a', { expiresAt: new Date(Date.now() - 1000).toISOString() });
    writeCliCache('b', { startUrl: 'https://other.awsapps.com/start' });
    fs.writeFileSync(cliCacheFile('c', home), '{ not json');
    for (const sessionName of ['a', 'b', 'c', 'missing']) {
      assert.equal(await readCliToken({ ...instanceOf(sso), sessionName }, {}, home), undefined, sessionName);
    }
    const center = new IdentityCenter({ ...instanceOf(sso), sessionName: 'a' }, new MemorySecrets(), settingsFor(sso), { home });
    await assert.rejects(center.discover(), (e: Error & { code?: string }) => e.code === 'SsoSignInRequired');
  });
});

describe('role profiles chained from an Identity Center profile', () => {
  it('assume their role with the permission set credentials from our own sign-in', async () => {
    const aws = await startAwsServer();
    const sso = await startSsoServer({ identities: aws.identities });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-chain-'));
    try {
      fs.writeFileSync(
        path.join(home, 'config'),
        [
          '[sso-session local]',
          `sso_start_url = ${sso.startUrl}`,
          `sso_region = ${sso.region}`,
          '',
          '[profile central-admin]',
          'sso_session = local',
          'sso_account_id = 111111111111',
          'sso_role_name = AdministratorAccess',
          '',
          '[profile dev-readonly]',
          'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
          'source_profile = central-admin',
          'role_session_name = alice-sso',
          '',
        ].join('\n'),
      );
      const config = await loadAwsConfig({ configPath: path.join(home, 'config'), credentialsPath: path.join(home, 'credentials') });
      const centers = new Map<string, IdentityCenter>();
      const centerFor = (ref: { startUrl: string; region: string; session?: string }) => {
        const center =
          centers.get(ref.startUrl) ??
          new IdentityCenter(instanceOfRef(ref), new MemorySecrets(), settingsFor(sso), { useAwsCliCache: false });
        centers.set(ref.startUrl, center);
        return center;
      };
      let code: DeviceCode | undefined;
      const sessionRef = { startUrl: config.ssoSessions![0].startUrl!, region: config.ssoSessions![0].region!, session: 'local' };
      await centerFor(sessionRef).signIn({
        onCode: (c) => void (code = c),
        sleep: async (ms) => {
          sso.advanceClock(ms);
          await approveOnPage(code!);
        },
      });

      const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
      const identity = await assumeRole(role, {
        config,
        endpoint: aws.url,
        region: 'us-east-1',
        timeoutMs: 5000,
        cache: new StsCache(),
        ssoCredentials: async (profile) => {
          const sso = profile.sso!;
          const center = centerFor({ startUrl: sso.startUrl!, region: sso.region!, session: sso.session });
          return (await center.credentials({ accountId: sso.accountId!, roleName: sso.roleName! })).credentials;
        },
      });
      assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice-sso');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      await sso.close();
      await aws.close();
    }
  });
});
