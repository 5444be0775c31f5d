import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Identity } from '../../../src/core/session';
import {
  endpointEnvironment,
  environmentFor,
  isolatedEnvironment,
  pinnedEnvironment,
  ROLE_VARIABLE,
} from '../../../src/core/endpoint/terminalEnv';

const identity: Identity = {
  label: 'dev/ReadOnly',
  arn: 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice',
  accountId: '222222222222',
  region: 'eu-west-1',
  credentials: {
    accessKeyId: 'ASIALOCALTEST0000001',
    secretAccessKey: 'terminalEnvTestSecret',
    sessionToken: 'terminalEnvTestToken',
    expiration: new Date(Date.now() + 3600_000),
  },
  origin: { kind: 'sts', roleArn: 'arn:aws:iam::222222222222:role/ReadOnly', needsMfa: false },
};

/** A profile file whose `stale` profile has other keys: if a tool picks it, the test sees the wrong key. */
function profileFiles(): { config: string; credentials: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-env-'));
  const config = path.join(dir, 'config');
  const credentials = path.join(dir, 'credentials');
  fs.writeFileSync(config, '[profile stale]\nregion = ap-south-1\n');
  fs.writeFileSync(credentials, '[stale]\naws_access_key_id = AKIALOCALSTALE000001\naws_secret_access_key = staleSecret\n');
  return { config, credentials };
}

/** What the AWS SDK for JavaScript's default chain resolves in a child process with exactly `env`. */
function sdkAccessKeyIn(env: Record<string, string>): string {
  const script = `require('@aws-sdk/credential-providers').fromNodeProviderChain()().then(c => process.stdout.write(c.accessKeyId + ' ' + (c.expiration ? c.expiration.toISOString() : '')))`;
  return execFileSync(process.execPath, ['-e', script], { env, cwd: path.resolve(__dirname, '../../../..') }).toString();
}

describe('terminal environment', () => {
  it('a renewable Vault lease gets no expiry variable, so a renew leaves the environment unchanged', () => {
    const lease: Identity = {
      ...identity,
      origin: {
        kind: 'vault',
        server: 'http://127.0.0.1:8200',
        mount: 'aws',
        role: 's3',
        leaseId: 'aws/creds/s3/x',
        renewable: true,
        credentialType: 'iam_user',
      },
    };
    const renewed: Identity = { ...lease, credentials: { ...lease.credentials, expiration: new Date(Date.now() + 7200_000) } };
    assert.equal(environmentFor(lease).AWS_CREDENTIAL_EXPIRATION, undefined);
    assert.deepEqual(environmentFor(renewed), environmentFor(lease));
    assert.ok(environmentFor(identity).AWS_CREDENTIAL_EXPIRATION, 'an STS session keeps its fixed end');
  });

  it('sets the variables the AWS CLI and SDKs read, with the expiry in ISO 8601', () => {
    const env = environmentFor(identity);
    assert.equal(env.AWS_ACCESS_KEY_ID, identity.credentials.accessKeyId);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, identity.credentials.secretAccessKey);
    assert.equal(env.AWS_SESSION_TOKEN, identity.credentials.sessionToken);
    assert.equal(env.AWS_REGION, 'eu-west-1');
    assert.equal(env.AWS_DEFAULT_REGION, 'eu-west-1');
    assert.equal(env[ROLE_VARIABLE], identity.arn);
    assert.equal(env.AWS_CREDENTIAL_EXPIRATION, identity.credentials.expiration!.toISOString());
  });

  it('long-term keys (a Vault iam_user lease) get no session token variable', () => {
    const env = environmentFor({ ...identity, credentials: { accessKeyId: 'AKIALOCALKEY00000001', secretAccessKey: 's' } });
    assert.equal('AWS_SESSION_TOKEN' in env, false);
    assert.equal('AWS_CREDENTIAL_EXPIRATION' in env, false);
  });

  it('an isolated terminal drops an inherited AWS_PROFILE and stale keys, so the SDK uses the role', () => {
    const files = profileFiles();
    const inherited = {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      AWS_CONFIG_FILE: files.config,
      AWS_SHARED_CREDENTIALS_FILE: files.credentials,
      AWS_PROFILE: 'stale',
      AWS_ACCESS_KEY_ID: 'AKIALOCALSTALE000002',
      AWS_SESSION_TOKEN: 'stale-token',
    };
    // Without isolation the SDK follows AWS_PROFILE: this is the trap the isolated terminal avoids.
    assert.match(sdkAccessKeyIn({ ...inherited, ...environmentFor(identity) }), /^AKIALOCALSTALE000001/);
    const env = isolatedEnvironment(inherited, identity);
    assert.equal(env.AWS_PROFILE, undefined);
    assert.equal(env.PATH, inherited.PATH);
    const [key, expiration] = sdkAccessKeyIn(env).split(' ');
    assert.equal(key, identity.credentials.accessKeyId);
    assert.equal(expiration, identity.credentials.expiration!.toISOString());
  });

  it(
    'the real AWS CLI takes the credentials and region from the environment over a profile',
    { skip: !fs.existsSync('/usr/bin/aws') && 'Debian awscli is not installed' },
    () => {
      const files = profileFiles();
      const env = {
        PATH: '/usr/bin:/bin',
        HOME: os.tmpdir(),
        AWS_CONFIG_FILE: files.config,
        AWS_SHARED_CREDENTIALS_FILE: files.credentials,
        AWS_PROFILE: 'stale',
        ...environmentFor(identity),
      };
      const out = execFileSync('/usr/bin/aws', ['configure', 'list'], { env }).toString();
      assert.match(out, /access_key\s+\*+0001\s+env/);
      assert.match(out, /region\s+eu-west-1\s+env/);
    },
  );

  it('endpoint mode gives every terminal the same variables, a token instead of keys, and blanks inherited keys', () => {
    const changes = endpointEnvironment({
      configFile: '/storage/aws-config',
      endpointUrl: 'http://127.0.0.1:4000/credentials',
      followingToken: 'iamsbf_window',
    });
    assert.deepEqual(changes.prepend, { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'iamsbf_window,' });
    assert.equal(changes.replace.AWS_CONFIG_FILE, '/storage/aws-config');
    assert.equal(changes.replace.AWS_PROFILE, 'iam-switchboard');
    assert.equal(changes.replace.AWS_DEFAULT_PROFILE, 'iam-switchboard');
    assert.equal(changes.replace.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://127.0.0.1:4000/credentials');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN']) {
      assert.equal(changes.replace[name], '', name);
    }
    // An empty region breaks the JS SDK ("Region not accepted") and botocore's signing: the region is left alone.
    assert.equal('AWS_REGION' in changes.replace, false);
    assert.equal('AWS_DEFAULT_REGION' in changes.replace, false);
    assert.deepEqual(pinnedEnvironment('iamsbp_own', identity), {
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'iamsbp_own',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      [ROLE_VARIABLE]: identity.arn,
    });
  });
});
