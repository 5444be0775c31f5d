// `aws login` console credentials (a `login_session` profile) as the source of a role, through the SDK's own
// provider: the cache file written as the AWS CLI 2.32+ writes it, a sign-in right after a failure used at once,
// a new sign-in replacing the old one without a restart, and the provider's refresh at the local Sign-In token
// endpoint (POST /v1/token with a DPoP proof), pointed there by AWS_ENDPOINT_URL_SIGNIN as any SDK client is.
// The AWS CLI here (2.9) cannot read login_session itself; the role assumed from it reaches it through the
// credential endpoint, as in any VS Code terminal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { loginCacheFile } from '../../../src/core/aws/loginSession';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import { endpointEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import type { Identity } from '../../../src/core/session';
import { assumeRole, type AssumeOptions, StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { rejectsWith } from '../rejectsWith';

const ALICE_ARN = 'arn:aws:iam::111111111111:user/alice';
const AWS_CLI = '/usr/bin/aws';
const HELPER = path.resolve(__dirname, '../../../../dist/credentialHelper.js');
const noCli =
  (!fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws') ||
  (!fs.existsSync(HELPER) && 'dist/credentialHelper.js is missing: run npm run build');
const run = promisify(execFile);
const READONLY_ALICE = 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice';

let server: AwsServer;
let folder: string;
let config: AwsConfig;
let role: RoleEntry;
const saved = { dir: process.env.AWS_LOGIN_CACHE_DIRECTORY, signin: process.env.AWS_ENDPOINT_URL_SIGNIN };

function options(cache: StsCache): AssumeOptions {
  return { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache };
}

/** What `aws login --profile console` leaves behind once alice signed in: the cache file, mode 0600. */
function signIn(change: (file: ReturnType<AwsServer['consoleLogin']>) => void = () => undefined): string {
  const cache = server.consoleLogin('111111111111', 'alice', 'eu-west-1');
  change(cache);
  const file = loginCacheFile(ALICE_ARN);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(cache, null, 2), { mode: 0o600 });
  return cache.accessToken.accessKeyId;
}

before(async () => {
  server = await startAwsServer();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-login-'));
  process.env.AWS_LOGIN_CACHE_DIRECTORY = path.join(folder, 'login-cache');
  // The SDK's Sign-In client takes its endpoint from here, like every client's AWS_ENDPOINT_URL_<SERVICE>.
  process.env.AWS_ENDPOINT_URL_SIGNIN = server.url;
  const configPath = path.join(folder, 'config');
  fs.writeFileSync(
    configPath,
    [
      '[profile console]',
      `login_session = ${ALICE_ARN}`,
      'region = eu-west-1',
      '',
      '[profile dev-via-console]',
      'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
      'source_profile = console',
      '',
    ].join('\n'),
  );
  config = await loadAwsConfig({ configPath, credentialsPath: path.join(folder, 'credentials') });
  role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-via-console')!;
});

after(async () => {
  process.env.AWS_LOGIN_CACHE_DIRECTORY = saved.dir;
  process.env.AWS_ENDPOINT_URL_SIGNIN = saved.signin;
  if (saved.dir === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
  if (saved.signin === undefined) delete process.env.AWS_ENDPOINT_URL_SIGNIN;
  fs.rmSync(folder, { recursive: true, force: true });
  await server.close();
});

describe('aws login console credentials as a role source', () => {
  it('a login_session profile is a source with credentials of its own, and its role is usable', () => {
    assert.equal(config.profiles.get('console')?.credentialKind, 'login');
    assert.deepEqual(role.source, { kind: 'profile', profile: 'console' });
    assert.deepEqual(role.warnings, []);
  });

  it('before any sign-in: one sentence saying to sign in; right after it, the same cache assumes the role', async () => {
    fs.rmSync(process.env.AWS_LOGIN_CACHE_DIRECTORY!, { recursive: true, force: true });
    const cache = new StsCache();
    await rejectsWith(
      assumeRole(role, options(cache)),
      'LoginRequired',
      "Profile 'console' has no current console sign-in: run 'Sign in with Console Credentials' (aws login --profile console), then try again.",
    );
    signIn();
    const identity = await assumeRole(role, options(cache));
    assert.equal(identity.arn, READONLY_ALICE);
    // The console session itself called AssumeRole: the IAM user alice, not some other key.
    assert.equal(server.trail().at(-1)?.action, 'AssumeRole');
    assert.equal(server.trail().at(-1)?.arn, ALICE_ARN);
    cache.clear();
  });

  it('a new sign-in is used at the next switch, without a reload, even while the old one looks unexpired', async () => {
    const cache = new StsCache();
    signIn();
    await assumeRole(role, options(cache));
    // The first console session ends at AWS (16 minutes on), while its cached expiry here is still ahead.
    server.advanceClock(16 * 60_000);
    try {
      signIn();
      const identity = await assumeRole(role, options(cache));
      assert.equal(identity.arn, READONLY_ALICE);
    } finally {
      server.advanceClock(-16 * 60_000);
      cache.clear();
    }
  });

  it("a sign-in near its end is refreshed by the SDK's provider at the Sign-In endpoint, and the cache file updated", async () => {
    const cache = new StsCache();
    const first = signIn((file) => {
      file.accessToken.expiresAt = new Date(Date.now() + 60_000).toISOString();
    });
    const before = server.loginRefreshes();
    const identity = await assumeRole(role, options(cache));
    assert.equal(identity.arn, READONLY_ALICE);
    assert.equal(server.loginRefreshes() - before, 1);
    const written = JSON.parse(fs.readFileSync(loginCacheFile(ALICE_ARN), 'utf8')) as { accessToken: { accessKeyId: string } };
    assert.notEqual(written.accessToken.accessKeyId, first);
    cache.clear();
  });

  it(
    'the AWS CLI 2.9, which cannot read login_session, is the role assumed from it through the credential endpoint',
    { skip: noCli },
    async () => {
      const cache = new StsCache();
      signIn();
      let active: Identity | undefined = await assumeRole(role, options(cache));
      const endpoint = new CredentialEndpoint({
        provider: { activeIdentity: () => active, refresh: async () => (active = await assumeRole(role, options(cache))) },
        log: () => undefined,
      });
      try {
        const endpointUrl = (await endpoint.start()).url;
        const configFile = await writeTerminalProfile({
          folder: path.join(folder, 'globalStorage'),
          personConfigPath: config.files.configPath,
          command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
          region: 'eu-west-1',
        });
        const changes = endpointEnvironment({ configFile, endpointUrl, followingToken: endpoint.issueToken({ kind: 'following' }) });
        const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: folder, ...changes.replace };
        for (const [name, value] of Object.entries(changes.prepend)) env[name] = value;
        const { stdout } = await run(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', server.url, '--output', 'json'], { env });
        assert.equal((JSON.parse(stdout) as { Arn: string }).Arn, READONLY_ALICE);
      } finally {
        await endpoint.stop();
        cache.clear();
      }
    },
  );

  it("the Sign-In endpoint refreshes only with a DPoP proof by the sign-in's own key", async () => {
    const cache = new StsCache();
    signIn((file) => {
      file.accessToken.expiresAt = new Date(Date.now() - 60_000).toISOString();
      file.dpopKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    });
    const before = server.loginRefreshes();
    await rejectsWith(assumeRole(role, options(cache)), 'LoginRequired');
    assert.equal(server.loginRefreshes(), before);
    cache.clear();
  });

  it('a sign-in that can no longer be refreshed asks for a new one in one sentence, naming no file or token', async () => {
    const cache = new StsCache();
    signIn((file) => {
      file.accessToken.expiresAt = new Date(Date.now() - 60_000).toISOString();
      file.refreshToken = 'used-or-revoked';
    });
    const error = await rejectsWith(assumeRole(role, options(cache)), 'LoginRequired', 'aws login --profile console');
    assert.doesNotMatch(error.message, /used-or-revoked|login-cache|\.json/);
    cache.clear();
  });
});
