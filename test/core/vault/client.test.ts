// The Vault client against the local Vault, whose AWS engine calls the local STS/IAM server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/core/session';
import { UserError } from '../../../src/core/userError';
import { transportWarning, VaultClient, type VaultServer } from '../../../src/core/vault/client';
import { waitUntilUsable } from '../../../src/core/sts/waitForKeys';
import { type LocalServers, startServers } from '../../servers';
import { loginWithPassword } from '../../../src/core/vault/auth';

async function callerArn(endpoint: string, credentials: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

async function stsErrorName(endpoint: string, credentials: AwsCredentials): Promise<string> {
  try {
    await callerArn(endpoint, credentials);
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
}

/** Rejects with a UserError whose code is `code`; returns it for message checks. */
async function userError(promise: Promise<unknown>, code: string): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    // One sentence with a next step after the semicolon; no secret in message or detail.
    assert.match(error.message, /^[^;]+; .+/);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

function server(url: string, extra: Partial<VaultServer> = {}): VaultServer {
  return { name: 'local', address: url, ...extra };
}

async function vaultWrite(url: string, token: string, path: string, body: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('Vault client against the local Vault', () => {
  let servers: LocalServers;
  let alice: VaultClient;
  let aliceToken: string;

  before(async () => {
    servers = await startServers({ vault: { leaseTtlSeconds: 60, leaseMaxTtlSeconds: 600 } });
    alice = new VaultClient(server(servers.vault.url), { timeoutMs: 5000 });
    aliceToken = (await loginWithPassword(alice, 'userpass', 'alice', 'alice-password')).token;
    alice.setToken(aliceToken);
  });
  after(() => servers.close());

  test('health reports an active Vault, then sealed, then uninitialised', async () => {
    assert.equal((await alice.health()).status, 'active');
    servers.vault.seal();
    try {
      assert.equal((await alice.health()).status, 'sealed');
      const sealed = await userError(alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultSealed');
      assert.match(sealed.message, /is sealed; ask an operator to unseal it/);
    } finally {
      servers.vault.unseal();
    }
    assert.equal((await alice.health()).status, 'active');
  });

  test('sign-in shows who the token is: display name, policies and TTL', async () => {
    const info = await alice.lookupSelf();
    assert.equal(info.displayName, 'userpass-alice');
    assert.ok(info.policies.includes('aws-dev'));
    assert.ok(info.ttl > 0 && info.expireTime instanceof Date);
    const renewed = await alice.renewSelf(3600);
    assert.ok(renewed.ttl > 0);
  });

  test('a wrong password says so', async () => {
    const client = new VaultClient(server(servers.vault.url));
    const error = await userError(loginWithPassword(client, 'userpass', 'alice', 'wrong'), 'VaultLoginFailed');
    assert.doesNotMatch(error.message + error.detail, /wrong/);
  });

  test('a failed sign-in leaves the client signed in as before; a new token is only checked until adopted', async () => {
    const client = new VaultClient(server(servers.vault.url), { token: aliceToken });
    await userError(loginWithPassword(client, 'userpass', 'alice', 'wrong'), 'VaultLoginFailed');
    // A token just pasted was never accepted: "no longer accepts your token" would be wrong.
    const pasted = await userError(client.checkToken('not-a-token'), 'VaultTokenNotAccepted');
    assert.match(pasted.message, /did not accept that token \(it is mistyped, expired or revoked\); paste another/);
    assert.doesNotMatch(pasted.message, /no longer/);
    assert.equal((await client.lookupSelf()).displayName, 'userpass-alice');

    const reader = await loginWithPassword(client, 'userpass', 'readonly', 'readonly-password');
    assert.equal((await client.checkToken(reader.token)).displayName, 'userpass-readonly');
    assert.equal((await client.lookupSelf()).displayName, 'userpass-alice', 'checking a token does not adopt it');
    client.setToken(reader.token);
    assert.equal((await client.lookupSelf()).displayName, 'userpass-readonly');
  });

  test('with DEBUG=node-vault* in the environment, signing in prints no password', async () => {
    // node-vault reads DEBUG when first loaded, so the sign-in runs in a fresh process.
    const vaultModule = join(__dirname, '../../../src/core/vault/client.js');
    const authModule = join(__dirname, '../../../src/core/vault/auth.js');
    const script = `
      const { VaultClient } = require(${JSON.stringify(vaultModule)});
      const { loginWithPassword } = require(${JSON.stringify(authModule)});
      loginWithPassword(new VaultClient({ name: 'local', address: process.argv[1] }), 'userpass', 'alice', 'alice-password')
        .then(() => console.log('signed in'), (error) => { console.log(error.message); process.exitCode = 1; });`;
    const output = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', script, servers.vault.url],
        { env: { ...process.env, DEBUG: 'node-vault*', DEBUG_COLORS: '0' } },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}${stderr}`)) : resolve({ stdout, stderr })),
      ),
    );
    assert.match(output.stdout, /signed in/);
    assert.doesNotMatch(output.stderr, /alice-password/);
  });

  test('mounts are discovered from sys/mounts, roles listed with their credential types', async () => {
    assert.deepEqual(await alice.listAwsMounts(), ['aws']);
    assert.deepEqual(await alice.listRoles('aws'), { kind: 'roles', roles: ['dev-s3', 'federated', 's3-full', 'session-mfa'] });
    const devS3 = await alice.readRole('aws', 'dev-s3');
    assert.deepEqual(devS3?.credentialTypes, ['assumed_role']);
    assert.deepEqual(devS3?.roleArns, ['arn:aws:iam::222222222222:role/vault/VaultS3']);
    assert.equal(devS3?.defaultStsTtl, 900);
    assert.deepEqual((await alice.readRole('aws', 's3-full'))?.credentialTypes, ['iam_user']);
    await userError(alice.readRole('aws', 'nope'), 'VaultRoleNotFound');
    const root = new VaultClient(server(servers.vault.url), { token: servers.vault.rootToken });
    await userError(root.listRoles('nothing-here'), 'VaultMountNotFound');
  });

  test('iam_user credentials work at STS once usable, renew extends them, revoke makes them fail', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    assert.equal(leased.credentials.sessionToken, undefined);
    assert.match(leased.lease.leaseId, /^aws\/creds\/s3-full\//);
    assert.equal(leased.lease.renewable, true);
    assert.equal(leased.lease.leaseDuration, 60);
    const usable = await waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1' });
    assert.match(usable.arn, /^arn:aws:iam::111111111111:user\//);
    assert.equal(await callerArn(servers.aws.url, leased.credentials), usable.arn);

    const renewed = await alice.renewLease(leased.lease.leaseId, 300);
    assert.equal(renewed.leaseDuration, 300);
    assert.ok(renewed.expiresAt!.getTime() > leased.lease.expiresAt!.getTime() + 200_000);
    const lookedUp = await alice.lookupLease(leased.lease.leaseId);
    assert.ok(lookedUp.ttl > 60 && lookedUp.ttl <= 300, `ttl ${lookedUp.ttl}`);
    assert.equal(lookedUp.renewable, true);

    await alice.revokeLease(leased.lease.leaseId);
    assert.equal(await stsErrorName(servers.aws.url, leased.credentials), 'InvalidClientTokenId');
    await userError(alice.lookupLease(leased.lease.leaseId), 'VaultLeaseNotFound');
    await userError(alice.renewLease(leased.lease.leaseId, 60), 'VaultLeaseNotFound');
  });

  test('assumed_role credentials are the Vault role at STS; their lease cannot be renewed and revoke leaves them valid', async () => {
    const leased = await alice.leaseCredentials('aws', 'dev-s3', {
      credentialType: 'assumed_role',
      ttl: '15m',
      roleSessionName: 'test-session',
    });
    assert.ok(leased.credentials.sessionToken);
    assert.equal(leased.arn, 'arn:aws:sts::222222222222:assumed-role/VaultS3/test-session');
    assert.equal(await callerArn(servers.aws.url, leased.credentials), leased.arn);
    assert.equal(leased.lease.renewable, false);
    const secondsLeft = (leased.lease.expiresAt!.getTime() - Date.now()) / 1000;
    assert.ok(secondsLeft > 890 && secondsLeft <= 900, `expires in ${secondsLeft}s`);

    const notRenewable = await userError(alice.renewLease(leased.lease.leaseId, 600), 'VaultLeaseNotRenewable');
    assert.match(notRenewable.message, /cannot be renewed.*valid until they expire/);
    await alice.revokeLease(leased.lease.leaseId);
    assert.equal(await callerArn(servers.aws.url, leased.credentials), leased.arn, 'STS keys stay valid after revoke');
  });

  test('federation_token credentials work at STS', async () => {
    const leased = await alice.leaseCredentials('aws', 'federated', { credentialType: 'federation_token', ttl: 900 });
    assert.ok(leased.credentials.sessionToken);
    assert.match(await callerArn(servers.aws.url, leased.credentials), /^arn:aws:sts::111111111111:federated-user\//);
  });

  test('a missing role, a role ARN not allowed and an AWS-side failure each say what happened', async () => {
    const missing = await userError(alice.leaseCredentials('aws', 'nope', { credentialType: 'iam_user' }), 'VaultRoleNotFound');
    assert.match(missing.message, /no AWS role "nope"/);
    await userError(
      alice.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', roleArn: 'arn:aws:iam::222222222222:role/Other' }),
      'VaultRoleArnNotAllowed',
    );
    const root = servers.vault.rootToken;
    const written = await vaultWrite(servers.vault.url, root, 'aws/roles/broken', {
      credential_type: 'assumed_role',
      role_arns: ['arn:aws:iam::222222222222:role/DoesNotExist'],
    });
    assert.ok(written.ok, `role write: ${written.status}`);
    const rootClient = new VaultClient(server(servers.vault.url), { token: root });
    const aws = await userError(rootClient.leaseCredentials('aws', 'broken', { credentialType: 'assumed_role' }), 'VaultAwsError');
    assert.match(aws.message, /could not get credentials from AWS.*: Error assuming role: /);
  });

  test('a token without the policy sees a forbidden role list and a denial naming path and capability', async () => {
    const reader = new VaultClient(server(servers.vault.url));
    reader.setToken((await loginWithPassword(reader, 'userpass', 'readonly', 'readonly-password')).token);
    const roles = await reader.listRoles('aws');
    assert.equal(roles.kind, 'forbidden');
    assert.deepEqual(await reader.listAwsMounts(), ['aws'], 'falls back to the usual mount when sys/mounts is forbidden');
    const denied = await userError(reader.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultPermissionDenied');
    assert.match(denied.message, /denied "read" on aws\/creds\/s3-full/);
    assert.match(denied.message, /\(default\)/);
    const deniedSts = await userError(
      reader.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role' }),
      'VaultPermissionDenied',
    );
    assert.match(deniedSts.message, /"update" on aws\/sts\/dev-s3/);
  });

  test('an expired token asks to sign in again, and its iam_user leases are gone with it', async () => {
    const created = await vaultWrite(servers.vault.url, servers.vault.rootToken, 'auth/token/create', {
      policies: ['aws-dev'],
      ttl: '120s',
    });
    const token = ((await created.json()) as { auth: { client_token: string } }).auth.client_token;
    const client = new VaultClient(server(servers.vault.url), { token });
    const leased = await client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    assert.ok(servers.vault.leaseIds().includes(leased.lease.leaseId));
    await servers.vault.advanceClock(121_000);
    const expired = await userError(client.lookupSelf(), 'VaultTokenExpired');
    assert.match(expired.message, /no longer accepts your token.*run "Sign in to Vault" again/);
    await userError(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultTokenExpired');
    assert.ok(!servers.vault.leaseIds().includes(leased.lease.leaseId));
    assert.ok(!`${expired.message}${expired.detail}`.includes(token));
  });

  test('without a token the client says to sign in first', async () => {
    const client = new VaultClient(server(servers.vault.url));
    await userError(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultNotSignedIn');
  });

  test('a slow Vault times out with a message naming the limit', async () => {
    const client = new VaultClient(server(servers.vault.url), { token: aliceToken, timeoutMs: 300 });
    servers.vault.setFailure({ mode: 'slow', delayMs: 1500 }, 1);
    const started = Date.now();
    const slow = await userError(client.lookupSelf(), 'VaultTimeout');
    assert.ok(Date.now() - started < 1200);
    assert.match(slow.message, /did not answer within 0\.3 s/);
    servers.vault.setFailure(undefined);
  });

  test('a lease request can be cancelled while Vault is slow', async () => {
    servers.vault.setFailure({ mode: 'slow', delayMs: 1000 }, 1);
    const controller = new AbortController();
    // Cancelled once the request is at Vault, waiting for the slow answer.
    void servers.vault.requests.arrived(servers.vault.requests.count + 1).then(() => controller.abort());
    const cancelled = alice.leaseCredentials('aws', 'dev-s3', { credentialType: 'assumed_role', signal: controller.signal });
    await assert.rejects(cancelled, (error: unknown) => error instanceof UserError && error.code === 'Cancelled');
    servers.vault.setFailure(undefined);
  });

  test('a lease Vault issues after its request was cancelled is revoked, not left behind', async () => {
    let revokedNote: (message: string) => void = () => undefined;
    const noted = new Promise<string>((resolve) => (revokedNote = resolve));
    const warnings: string[] = [];
    const client = new VaultClient(server(servers.vault.url), {
      token: aliceToken,
      log: (m) => revokedNote(m),
      warn: (m) => warnings.push(m),
    });
    servers.vault.setFailure({ mode: 'slow', delayMs: 1500 }, 1);
    const controller = new AbortController();
    const leasing = servers.vault.requests.count + 1;
    void servers.vault.requests.arrived(leasing).then(() => controller.abort());
    let vaultAnswered = false;
    void servers.vault.requests.answered(leasing).then(() => (vaultAnswered = true));
    await assert.rejects(
      client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user', signal: controller.signal }),
      (error: unknown) => error instanceof UserError && error.code === 'Cancelled',
    );
    assert.ok(!vaultAnswered, 'cancelling answers at once, not when the slow Vault does');

    const note = await Promise.race([noted, new Promise<string>((resolve) => setTimeout(() => resolve('no note'), 5000))]);
    const leaseId = /lease (aws\/creds\/s3-full\/\S+):/.exec(note)?.[1];
    assert.ok(leaseId, `expected a note naming the revoked lease, got: ${note} ${warnings.join(' ')}`);
    const lookup = await vaultWrite(servers.vault.url, servers.vault.rootToken, 'sys/leases/lookup', { lease_id: leaseId }, 'PUT');
    assert.equal(lookup.status, 400, 'Vault no longer knows the lease');
    assert.deepEqual(((await lookup.json()) as { errors: string[] }).errors, ['invalid lease']);
    assert.ok(!servers.vault.leaseIds().includes(leaseId));
  });

  test('a dropped connection and an unreachable address both say Vault could not be reached', async () => {
    servers.vault.setFailure({ mode: 'reset' }, 1);
    await userError(alice.lookupSelf(), 'VaultUnreachable');
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const nowhere = new VaultClient(server(`http://127.0.0.1:${closedPort}`), { token: 'x' });
    const health = await nowhere.health();
    assert.equal(health.status, 'unreachable');
    assert.match(health.message!, /Could not reach Vault at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    await userError(nowhere.lookupSelf(), 'VaultUnreachable');
  });

  test('a self-signed certificate is a TLS failure until its CA is configured', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    const https = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      // A real lookup-self envelope: checked like every Vault answer.
      res.end(
        JSON.stringify({
          request_id: 'tls-req',
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: { display_name: 'tls-user', policies: ['default'], ttl: 60 },
          wrap_info: null,
          warnings: null,
          auth: null,
        }),
      );
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(https.address() as net.AddressInfo).port}`;
    try {
      const untrusted = new VaultClient(server(url), { token: 't' });
      const error = await userError(untrusted.lookupSelf(), 'VaultTls');
      assert.match(error.message, /set caCert for this server.*SELF_SIGNED/);
      assert.equal((await untrusted.health()).status, 'unreachable');
      const trusted = new VaultClient(server(url, { caCert: join(dir, 'cert.pem') }), { token: 't' });
      assert.equal((await trusted.lookupSelf()).displayName, 'tls-user');
    } finally {
      https.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('skip-verify warns once, loudly', async () => {
    const warnings: string[] = [];
    const client = new VaultClient(server(servers.vault.url, { tlsSkipVerify: true }), {
      token: aliceToken,
      warn: (m) => warnings.push(m),
    });
    await client.lookupSelf();
    await client.lookupSelf();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /TLS certificate checks are OFF/);
  });

  test('plain http:// to another host warns like skip-verify; loopback and https do not', async () => {
    const warningFor = (address: string, tlsSkipVerify?: boolean) => transportWarning({ address, tlsSkipVerify });
    assert.match(
      warningFor('http://vault.example.com:8200') ?? '',
      /plain http:\/\/: your token and credentials cross the network unencrypted; use an https:\/\/ address/,
    );
    assert.match(warningFor('http://10.0.0.5:8200') ?? '', /unencrypted/);
    assert.match(warningFor('http://127.0.0.1.example.com') ?? '', /unencrypted/, 'a name that only starts like a loopback address');
    assert.match(warningFor('https://vault.example.com', true) ?? '', /TLS certificate checks are OFF/);
    for (const quiet of ['https://vault.example.com', 'http://127.0.0.1:8200', 'http://localhost:8200', 'http://[::1]:8200', 'not a url']) {
      assert.equal(warningFor(quiet), undefined, quiet);
    }
    // The client tells its warn callback once; the local Vault is loopback, so it stays quiet.
    const warnings: string[] = [];
    const local = new VaultClient(server(servers.vault.url), { token: aliceToken, warn: (m) => warnings.push(m) });
    await local.lookupSelf();
    assert.deepEqual(warnings, []);
  });

  test('an unreadable CA certificate path is named', async () => {
    const client = new VaultClient(server(servers.vault.url, { caCert: '/nonexistent/ca.pem' }), { token: aliceToken });
    const error = await userError(client.lookupSelf(), 'VaultCaCert');
    assert.match(error.message, /\/nonexistent\/ca\.pem \(ENOENT\)/);
  });

  test('empty lease ids (Vault 1.13.0 STS) have nothing to renew or revoke', async () => {
    await alice.revokeLease('');
    await userError(alice.renewLease('', 60), 'VaultNoLease');
  });

  test('an uninitialised Vault says so', async () => {
    servers.vault.uninitialize();
    assert.equal((await alice.health()).status, 'uninitialised');
    await userError(alice.lookupSelf(), 'VaultNotInitialized');
  });
});

describe('waiting for new iam_user keys', () => {
  let servers: LocalServers;
  let alice: VaultClient;

  before(async () => {
    servers = await startServers({ aws: { keyPropagationMs: 1500 } });
    alice = new VaultClient(server(servers.vault.url));
    alice.setToken((await loginWithPassword(alice, 'userpass', 'alice', 'alice-password')).token);
  });
  after(() => servers.close());

  test('polls with backoff until AWS accepts keys it first rejected', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    assert.equal(await stsErrorName(servers.aws.url, leased.credentials), 'InvalidClientTokenId');
    const usable = await waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1' });
    assert.ok(usable.attempts > 1, `attempts ${usable.attempts}`);
    assert.ok(usable.elapsedMs >= 1000 && usable.elapsedMs < 8000, `elapsed ${usable.elapsedMs}`);
    assert.match(usable.arn, /:user\//);
  });

  test('gives up after its bound with a clear message', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    const error = await userError(
      waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1', timeoutMs: 300 }),
      'KeysNotYetUsable',
    );
    assert.match(error.message, /within 0\.3 s.*InvalidClientTokenId/);
  });

  test('a stalled STS endpoint still gives up within the bound', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    servers.aws.setFailure({ mode: 'slow', delayMs: 4000 });
    try {
      const started = Date.now();
      const error = await userError(
        waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1', timeoutMs: 500 }),
        'KeysNotChecked',
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 450 && elapsed < 1500, `gave up after ${elapsed} ms`);
      assert.match(error.message, /did not answer within 0\.5 s/);
    } finally {
      servers.aws.setFailure(undefined);
    }
  });

  test('a stalled STS request can be cancelled', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    servers.aws.setFailure({ mode: 'slow', delayMs: 4000 });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      await assert.rejects(
        waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1', signal: controller.signal }),
        (error: unknown) => error instanceof UserError && error.code === 'Cancelled',
      );
      assert.ok(Date.now() - started < 1000);
    } finally {
      servers.aws.setFailure(undefined);
    }
  });

  test('can be cancelled', async () => {
    const leased = await alice.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(
      waitUntilUsable(leased.credentials, { endpoint: servers.aws.url, region: 'us-east-1', signal: controller.signal }),
      (error: unknown) => error instanceof UserError && error.code === 'Cancelled',
    );
  });
});
