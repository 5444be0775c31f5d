import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import {
  assumeRole,
  type AssumeOptions,
  credentialSourceCredentials,
  getCallerIdentity,
  type MetadataProviders,
  needsMfaCode,
  StsCache,
} from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { rejectsWith } from '../rejectsWith';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const BOB_MFA = 'arn:aws:iam::111111111111:mfa/bob';

let server: AwsServer;
let config: AwsConfig;
let roles: Map<string, RoleEntry>;

function options(extra: Partial<AssumeOptions> = {}): AssumeOptions {
  return { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache: new StsCache(), ...extra };
}

function role(label: string): RoleEntry {
  const found = roles.get(label);
  assert.ok(found, `no role ${label}`);
  return found;
}

before(async () => {
  server = await startAwsServer();
  config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
});
after(() => server.close());

describe('assume role', () => {
  it('assumes a profile role from static keys and returns working credentials with the STS ARN', async () => {
    const identity = await assumeRole(role('dev-readonly'), options());
    assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    assert.equal(identity.accountId, '222222222222');
    assert.equal(identity.region, 'eu-west-1');
    assert.deepEqual(identity.origin, {
      kind: 'sts',
      roleArn: 'arn:aws:iam::222222222222:role/ReadOnly',
      profile: 'dev-readonly',
      needsMfa: false,
    });
    assert.match(identity.credentials.accessKeyId, /^ASIA/);
    assert.ok(identity.credentials.expiration!.getTime() > Date.now());
    const caller = await getCallerIdentity(identity.credentials, { endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 });
    assert.equal(caller.arn, identity.arn);
  });

  it('names the session after the source user when the profile and setting name none', async () => {
    const identity = await assumeRole(role('dev-readonly-plain'), options());
    assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    const named = await assumeRole(role('dev-readonly-plain'), options({ sessionName: 'ci job #7' }));
    assert.equal(named.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/ci-job--7');
  });

  it('follows a profile chain: assumes the source role first, then the role it trusts', async () => {
    const identity = await assumeRole(role('prod-auditor'), options({ durationSeconds: 7200 }));
    assert.equal(identity.arn, 'arn:aws:sts::333333333333:assumed-role/Auditor/alice');
    // The setting's 7200 s is a default, capped to the hour AWS allows for chained roles.
    const lifetime = identity.credentials.expiration!.getTime() - Date.now();
    assert.ok(lifetime <= 3600_000 && lifetime > 3500_000, `lifetime ${lifetime}`);
  });

  it('an explicit duration above an hour on a chained role is the chaining-cap error', async () => {
    await rejectsWith(
      assumeRole(role('prod-auditor-long'), options()),
      'ChainingDurationLimit',
      'one hour',
      'arn:aws:iam::333333333333:role/Auditor',
    );
  });

  it('a duration above the role maximum says so', async () => {
    await rejectsWith(
      assumeRole(role('dev-readonly-long'), options()),
      'DurationTooLong',
      '7200',
      'arn:aws:iam::222222222222:role/ReadOnly',
    );
  });

  it('sends the external id, and without it the role refuses', async () => {
    const identity = await assumeRole(role('dev-deployer'), options());
    assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/Deployer/alice');
    assert.ok(identity.credentials.expiration!.getTime() - Date.now() > 3600_000, 'duration_seconds 7200 honoured');
    await rejectsWith(
      assumeRole(role('dev-deployer-no-external-id'), options()),
      'AccessDenied',
      'arn:aws:iam::222222222222:role/Deployer',
      'profile default',
    );
  });

  it('gets source credentials through credential_process and credential_source = Environment', async () => {
    const fromProcess = await assumeRole(role('from-process'), options());
    assert.equal(fromProcess.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    const env = { AWS_ACCESS_KEY_ID: 'AKIALOCALERIN0000001', AWS_SECRET_ACCESS_KEY: 'erinLocalSecretKey000000000000000000000E' };
    const fromEnv = await assumeRole(role('from-env'), options({ env }));
    assert.equal(fromEnv.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/erin');
  });

  it('reads a substituted environment without writing to process.env, which every extension shares', async () => {
    const real = process.env;
    const writes: string[] = [];
    process.env = new Proxy(real, {
      set: (target, name, value) => (writes.push(String(name)), Reflect.set(target, name, value)),
      deleteProperty: (target, name) => (writes.push(String(name)), Reflect.deleteProperty(target, name)),
    });
    try {
      const env = { AWS_ACCESS_KEY_ID: 'AKIALOCALERIN0000001', AWS_SECRET_ACCESS_KEY: 'erinLocalSecretKey000000000000000000000E' };
      const identity = await assumeRole(role('from-env'), options({ env }));
      assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/erin');
      assert.deepEqual(writes, [], 'process.env was rewritten for the call');
      await rejectsWith(
        assumeRole(role('from-env'), options({ env: {} })),
        'NoEnvironmentCredentials',
        'AWS_ACCESS_KEY_ID',
        'restart VS Code',
      );
    } finally {
      process.env = real;
    }
    assert.deepEqual(writes, []);
  });
});

describe('credential_source', () => {
  // Stand-ins for the SDK's metadata providers: they record which one was asked, and reach no network.
  function fakeProviders(calls: string[]): MetadataProviders {
    const provider = (name: string) => () => async () => (calls.push(name), { accessKeyId: `ASIA${name}`, secretAccessKey: 'x' });
    return { fromInstanceMetadata: provider('IMDS'), fromContainerMetadata: provider('ECS') } as unknown as MetadataProviders;
  }
  // Keys in the environment win in the SDK's default chain; each credential_source must ignore them.
  const envWithKeys = { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'envSecret', AWS_PROFILE: 'default' };

  it('Ec2InstanceMetadata asks the instance metadata only, even with keys in the environment', async () => {
    const calls: string[] = [];
    const credentials = await credentialSourceCredentials('Ec2InstanceMetadata', envWithKeys, fakeProviders(calls));
    assert.equal(credentials.accessKeyId, 'ASIAIMDS');
    assert.deepEqual(calls, ['IMDS']);
  });

  it('EcsContainer asks the container endpoint only', async () => {
    const calls: string[] = [];
    const credentials = await credentialSourceCredentials('EcsContainer', envWithKeys, fakeProviders(calls));
    assert.equal(credentials.accessKeyId, 'ASIAECS');
    assert.deepEqual(calls, ['ECS']);
  });

  it('Environment takes the keys of the environment and asks no metadata service', async () => {
    const calls: string[] = [];
    const credentials = await credentialSourceCredentials('Environment', envWithKeys, fakeProviders(calls));
    assert.deepEqual([credentials.accessKeyId, credentials.secretAccessKey], ['AKIAENV', 'envSecret']);
    assert.deepEqual(calls, []);
    await rejectsWith(credentialSourceCredentials('Environment', {}, fakeProviders(calls)), 'NoEnvironmentCredentials');
    assert.deepEqual(calls, []);
  });
});

describe('MFA', () => {
  it('asks for a code, assumes the MFA role, and reuses the MFA session for the next role', async () => {
    const asked: string[] = [];
    const cache = new StsCache();
    const mfaCode = async (serial: string) => {
      asked.push(serial);
      return totp(BOB_TOTP);
    };
    assert.equal(needsMfaCode(role('prod-admin'), cache), true);
    const admin = await assumeRole(role('prod-admin'), options({ mfaCode, cache }));
    assert.equal(admin.arn, 'arn:aws:sts::333333333333:assumed-role/Admin/bob');
    assert.equal(admin.region, 'us-east-1');
    assert.equal(admin.origin.kind === 'sts' && admin.origin.needsMfa, true);
    assert.deepEqual(asked, [BOB_MFA]);
    // Same source profile and device: no new code, the cached MFA session satisfies the trust policy.
    assert.equal(needsMfaCode(role('prod-readonly-bob-mfa'), cache), false);
    const next = await assumeRole(role('prod-readonly-bob-mfa'), options({ mfaCode, cache }));
    assert.equal(next.arn, 'arn:aws:sts::333333333333:assumed-role/ReadOnly/bob');
    assert.deepEqual(asked, [BOB_MFA]);
  });

  it('a wrong code is an MFA failure; a code that is not 6 digits is refused before sending; no code cancels', async () => {
    const right = totp(BOB_TOTP);
    const wrong = String((Number(right) + 500000) % 1000000).padStart(6, '0');
    await rejectsWith(assumeRole(role('prod-admin'), options({ mfaCode: async () => wrong })), 'MfaFailed', 'MFA code', 'next code');
    await rejectsWith(assumeRole(role('prod-admin'), options({ mfaCode: async () => '12345' })), 'InvalidMfaCode', "'12345'", '6 digits');
    await rejectsWith(assumeRole(role('prod-admin'), options({ mfaCode: async () => undefined })), 'Cancelled');
    await rejectsWith(assumeRole(role('prod-admin'), options({ mfaCode: undefined })), 'MfaRequired', BOB_MFA, 'Switch Role');
  });
});

describe('assume role errors', () => {
  it('AccessDenied names the role and the source identity', async () => {
    await rejectsWith(
      assumeRole(role('prod-breakglass'), options()),
      'AccessDenied',
      'arn:aws:iam::333333333333:role/BreakGlass',
      'profile default',
      'trust policy',
    );
  });

  it('an unknown access key is InvalidClientTokenId', async () => {
    await rejectsWith(assumeRole(role('unknown-key'), options()), 'InvalidClientTokenId', 'profile stranger', '~/.aws/credentials');
  });

  it('expired source credentials are ExpiredToken, with what to do', async () => {
    const session = await assumeRole(role('dev-readonly'), options());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sts-expired-'));
    const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
    fs.writeFileSync(files.configPath, '[profile next]\nrole_arn = arn:aws:iam::333333333333:role/Auditor\nsource_profile = old\n');
    const c = session.credentials;
    fs.writeFileSync(
      files.credentialsPath,
      `[old]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\naws_session_token = ${c.sessionToken}\n`,
      { mode: 0o600 },
    );
    try {
      const expiredConfig = await loadAwsConfig(files);
      const next = buildCatalog({ profiles: expiredConfig.profiles }).roles[0];
      server.advanceClock(2 * 3600_000);
      await rejectsWith(assumeRole(next, options({ config: expiredConfig, sessionName: 'x1' })), 'ExpiredToken', 'profile old', 'expired');
      await rejectsWith(getCallerIdentity(c, { endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 }), 'ExpiredToken');
    } finally {
      server.advanceClock(-2 * 3600_000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown source profile, a malformed ARN or account id fail before any request', async () => {
    const broken = await loadAwsConfig({
      configPath: path.join(FIXTURES, 'broken-config'),
      credentialsPath: path.join(FIXTURES, 'credentials'),
    });
    const brokenRoles = new Map(buildCatalog({ profiles: broken.profiles }).roles.map((r) => [r.label, r]));
    const unreachable = { config: broken, endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', timeoutMs: 1000 };
    await rejectsWith(assumeRole(brokenRoles.get('orphan')!, unreachable), 'UnknownSourceProfile', "'does-not-exist'", 'orphan');
    await rejectsWith(assumeRole(brokenRoles.get('loop-a')!, unreachable), 'BrokenProfile', 'loops');
    const typo: RoleEntry = { ...role('dev-readonly'), arn: 'arn:aws:iam::22222222222:role/ReadOnly' };
    await rejectsWith(assumeRole(typo, options()), 'InvalidAccountId', "'22222222222'");
    const malformed: RoleEntry = { ...role('dev-readonly'), arn: 'arn:aws:iam::222222222222:user/ReadOnly' };
    await rejectsWith(assumeRole(malformed, options()), 'InvalidRoleArn', 'arn:aws:iam::222222222222:user/ReadOnly');
  });

  it('a profile that cannot be used reports the source problem, not an earlier side remark', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sts-broken-'));
    const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
    // Warnings about the ignored line and the duration come first; neither is why the role cannot be assumed.
    fs.writeFileSync(
      files.configPath,
      '[profile lost]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nduration_seconds = forever\nno equals sign: here\nsource_profile = nobody\n',
    );
    fs.writeFileSync(files.credentialsPath, '');
    try {
      const lost = await loadAwsConfig(files);
      const lostRole = buildCatalog({ profiles: lost.profiles }).roles[0];
      assert.deepEqual(
        lostRole.warnings.map((w) => w.code),
        ['InvalidDuration', 'IgnoredLine', 'UnknownSourceProfile'],
      );
      const unreachable = { config: lost, endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', timeoutMs: 1000 };
      const error = await rejectsWith(assumeRole(lostRole, unreachable), 'UnknownSourceProfile', "'nobody'", "profile 'lost'");
      assert.doesNotMatch(error.message, /duration_seconds|key = value/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throttling that outlasts the retries says to wait', async () => {
    server.setFailure({ mode: 'throttle' });
    try {
      await rejectsWith(assumeRole(role('dev-readonly'), options()), 'Throttling', 'wait');
    } finally {
      server.setFailure(undefined);
    }
  });

  it('a throttled request that succeeds on retry is not an error', async () => {
    server.setFailure({ mode: 'throttle' }, 1);
    const identity = await assumeRole(role('dev-readonly'), options());
    assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
  });

  it('an unreachable endpoint and a reset connection say where and what to check', async () => {
    await rejectsWith(
      assumeRole(role('dev-readonly'), options({ endpoint: 'http://127.0.0.1:9' })),
      'ECONNREFUSED',
      'http://127.0.0.1:9',
      'iamSwitchboard.stsEndpoint',
    );
    server.setFailure({ mode: 'reset' });
    try {
      await rejectsWith(assumeRole(role('dev-readonly'), options()), 'ECONNRESET', server.url);
    } finally {
      server.setFailure(undefined);
    }
  });

  it('a slow server times out, and a cancelled request is Cancelled', async () => {
    server.setFailure({ mode: 'slow', delayMs: 3000 });
    try {
      const started = Date.now();
      await rejectsWith(assumeRole(role('dev-readonly'), options({ timeoutMs: 400 })), 'Timeout', 'did not answer');
      assert.ok(Date.now() - started < 2500, 'gave up at the deadline');
      const controller = new AbortController();
      // Cancelled once the request is at the server, waiting for the slow answer.
      void server.requests.arrived(server.requests.count + 1).then(() => controller.abort());
      await rejectsWith(assumeRole(role('dev-readonly'), options({ signal: controller.signal })), 'Cancelled');
    } finally {
      server.setFailure(undefined);
    }
  });
});
