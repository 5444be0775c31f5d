// Profiles with role_arn + web_identity_token_file (as CI systems and EKS write them), and roles chained from
// them: roles in the catalog, assumed with AssumeRoleWithWebIdentity against the local STS, the token read
// fresh from its file each time and never shown.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, describeSource, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { assumeRole, type AssumeOptions, getCallerIdentity, StsCache } from '../../../src/core/sts/assumeRole';
import { UserError } from '../../../src/core/userError';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const DEPLOY = 'arn:aws:iam::222222222222:role/WebIdentityDeploy';
const CHAINED = 'arn:aws:iam::222222222222:role/WebIdentityChained';

let server: AwsServer;
let dir: string;
let tokenFile: string;

/** An unsigned JWT with the claims STS checks; the signature part is a placeholder. */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.TESTSIGNATURE`;
}

function validToken(sub = 'ci-runner-LOCAL'): string {
  return jwt({ iss: 'https://token.local', sub, aud: 'sts.amazonaws.com', exp: Math.floor(Date.now() / 1000) + 3600 });
}

async function catalog(file: string): Promise<{ roles: RoleEntry[]; options: (log?: string[]) => AssumeOptions }> {
  const configPath = path.join(dir, 'config');
  fs.writeFileSync(
    configPath,
    [
      '[profile ci]',
      `role_arn = ${DEPLOY}`,
      `web_identity_token_file = ${file}`,
      'role_session_name = ci-session',
      '[profile ci-chained]',
      `role_arn = ${CHAINED}`,
      'source_profile = ci',
      '',
    ].join('\n'),
  );
  const config = await loadAwsConfig({ configPath, credentialsPath: path.join(dir, 'credentials') });
  const roles = buildCatalog({ profiles: config.profiles }).roles;
  const options = (log?: string[]): AssumeOptions => ({
    config,
    endpoint: server.url,
    region: 'eu-west-1',
    timeoutMs: 5000,
    cache: new StsCache(),
    log: log ? (line: string) => log.push(line) : undefined,
  });
  return { roles, options };
}

function byProfile(roles: RoleEntry[], name: string): RoleEntry {
  const found = roles.find((r) => r.profile === name);
  assert.ok(found, `no role for profile ${name}`);
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const caught = await promise.then(
    () => assert.fail('expected a UserError'),
    (e: unknown) => e,
  );
  assert.ok(caught instanceof UserError, `not a UserError: ${String(caught)}`);
  return caught;
}

before(async () => {
  server = await startAwsServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-sb-webid-'));
  tokenFile = path.join(dir, 'token');
});
after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('web identity role profiles', () => {
  it('a profile with role_arn and web_identity_token_file is a role from a web identity token file, not broken', async () => {
    const { roles } = await catalog(tokenFile);
    const ci = byProfile(roles, 'ci');
    assert.deepEqual(ci.source, { kind: 'webIdentity', tokenFile });
    assert.equal(describeSource(ci.source), 'web identity token file');
    assert.deepEqual(ci.warnings, []);
    assert.deepEqual(byProfile(roles, 'ci-chained').source, { kind: 'role', profile: 'ci' });
  });

  it('assumes the role with the token from the file, and GetCallerIdentity is that role', async () => {
    fs.writeFileSync(tokenFile, validToken());
    const { roles, options } = await catalog(tokenFile);
    const identity = await assumeRole(byProfile(roles, 'ci'), options());
    assert.equal(identity.arn, 'arn:aws:sts::222222222222:assumed-role/WebIdentityDeploy/ci-session');
    const caller = await getCallerIdentity(identity.credentials, options());
    assert.equal(caller.arn, 'arn:aws:sts::222222222222:assumed-role/WebIdentityDeploy/ci-session');
  });

  it('a role whose source_profile is a web identity profile chains from it', async () => {
    fs.writeFileSync(tokenFile, validToken());
    const { roles, options } = await catalog(tokenFile);
    const identity = await assumeRole(byProfile(roles, 'ci-chained'), options());
    const caller = await getCallerIdentity(identity.credentials, options());
    assert.match(caller.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/WebIdentityChained\//);
  });

  it('reads the token file again at each assume, so a rotated token is used', async () => {
    fs.writeFileSync(tokenFile, 'not-a-jwt');
    const { roles, options } = await catalog(tokenFile);
    const ci = byProfile(roles, 'ci');
    const refused = await rejection(assumeRole(ci, options()));
    assert.equal(refused.code, 'InvalidIdentityToken');
    fs.writeFileSync(tokenFile, validToken());
    const identity = await assumeRole(ci, options());
    assert.match(identity.arn ?? '', /WebIdentityDeploy/);
  });

  it('a missing token file is a UserError that names the file and nothing else from it', async () => {
    const missing = path.join(dir, 'no-such-token');
    const { roles, options } = await catalog(missing);
    const error = await rejection(assumeRole(byProfile(roles, 'ci'), options()));
    assert.equal(error.code, 'WebIdentityTokenFile');
    assert.ok(error.message.includes(missing), error.message);
  });

  it('an expired token is a clear UserError, and the token is in no error, detail or log line', async () => {
    const token = jwt({
      iss: 'https://token.local',
      sub: 'expired-LOCAL',
      aud: 'sts.amazonaws.com',
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    fs.writeFileSync(tokenFile, token);
    const { roles, options } = await catalog(tokenFile);
    const log: string[] = [];
    const error = await rejection(assumeRole(byProfile(roles, 'ci-chained'), options(log)));
    assert.equal(error.code, 'ExpiredToken');
    assert.match(error.message, /token in the web identity token file has expired/);
    const shown = [error.message, String(error.detail ?? ''), ...log].join('\n');
    assert.ok(log.length > 0, 'the assume was logged');
    for (const piece of token.split('.')) assert.ok(!shown.includes(piece), 'a part of the token was shown');
  });
});
