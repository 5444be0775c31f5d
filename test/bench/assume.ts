// The assume path over TLS to the local STS: the core (profile → source → STS, as the switcher calls it) against a
// bare @aws-sdk/client-sts client that keeps its connection, for a plain role, a chained one and a second role from
// a cached MFA session. Round trips are counted by the server.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog } from '../../src/core/catalog/roleCatalog';
import type { AwsCredentials } from '../../src/core/session';
import * as sts from '../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer, totp } from '../servers/aws';
import { ROOT } from './activation';
import { versus } from './stats';

export interface CertFiles {
  key: string;
  cert: string;
  dir: string;
}

/** A throwaway self-signed certificate for 127.0.0.1, made with Debian's openssl (no download). */
export function selfSignedCert(): CertFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-bench-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert, dir };
}

export interface AssumeFigure {
  case: string;
  core: number;
  bare: number;
  ratio: number;
  /** STS requests per core assume, steady state (source resolved, caches warm). */
  roundTrips: number;
  /** TCP+TLS connections the core opened over all its timed runs. */
  coreConnections: number;
}

function bareClient(url: string, credentials: AwsCredentials): STSClient {
  // A client as a careful caller would keep one: built once, keep-alive agent, so only the first call handshakes.
  return new STSClient({
    region: 'eu-west-1',
    endpoint: url,
    credentials,
    requestHandler: { httpsAgent: new https.Agent({ keepAlive: true }) },
  });
}

async function session(client: STSClient, command: AssumeRoleCommand | GetSessionTokenCommand): Promise<AwsCredentials> {
  const c = (await client.send(command as AssumeRoleCommand)).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
}

async function measure(
  server: AwsServer,
  runs: number,
  name: string,
  core: () => Promise<unknown>,
  bare: () => Promise<unknown>,
): Promise<AssumeFigure> {
  await core(); // warm-up: modules, the source, the caches, the first handshake
  await core();
  await bare();
  let coreRequests = 0;
  let coreConnections = 0;
  const counted = async () => {
    const start = server.stats();
    await core();
    const end = server.stats();
    coreRequests += end.requests - start.requests;
    coreConnections += end.connections - start.connections;
  };
  const result = await versus(runs, counted, bare);
  return { case: name, core: result.a, bare: result.b, ratio: result.ratio, roundTrips: coreRequests / runs, coreConnections };
}

/** Needs NODE_EXTRA_CA_CERTS=<cert> in this process's environment (the bench re-runs itself with it). */
export async function assumePath(cert: CertFiles, runs: number, only?: string): Promise<AssumeFigure[]> {
  const server = await startAwsServer({ tls: { key: fs.readFileSync(cert.key, 'utf8'), cert: fs.readFileSync(cert.cert, 'utf8') } });
  const clients: STSClient[] = [];
  const cache = new sts.StsCache();
  try {
    const files = {
      configPath: path.join(ROOT, 'test/fixtures/aws/config'),
      credentialsPath: path.join(ROOT, 'test/fixtures/aws/credentials'),
    };
    const config = await loadAwsConfig(files);
    const roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
    const bob = server.world.accounts.flatMap((a) => a.users).find((u) => u.name === 'bob')!.mfaDevices![0];
    const options = {
      config,
      endpoint: server.url,
      region: 'eu-west-1',
      timeoutMs: 5000,
      cache,
      mfaCode: async () => totp(bob.totpSecret),
    };
    const keys = (await loadSharedConfigFiles({ filepath: files.credentialsPath, configFilepath: files.configPath, ignoreCache: true }))
      .credentialsFile;
    const staticKeys = (profile: string) => ({
      accessKeyId: keys[profile]!.aws_access_key_id!,
      secretAccessKey: keys[profile]!.aws_secret_access_key!,
    });

    const alice = bareClient(server.url, staticKeys('default'));
    const readOnly = { RoleArn: roles.get('dev-readonly')!.arn, RoleSessionName: 'alice' };
    const readOnlySession = await session(alice, new AssumeRoleCommand(readOnly));
    const asReadOnly = bareClient(server.url, readOnlySession);
    const bobClient = bareClient(server.url, staticKeys('bob'));
    const mfaSession = await session(
      bobClient,
      new GetSessionTokenCommand({ SerialNumber: bob.serialNumber, TokenCode: totp(bob.totpSecret) }),
    );
    const asBobMfa = bareClient(server.url, mfaSession);
    clients.push(alice, asReadOnly, bobClient, asBobMfa);

    const auditor = { RoleArn: roles.get('prod-auditor')!.arn, RoleSessionName: 'alice' };
    const admin = { RoleArn: roles.get('prod-admin')!.arn, RoleSessionName: 'bob' };
    const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      ['plain', () => sts.assumeRole(roles.get('dev-readonly')!, options), () => alice.send(new AssumeRoleCommand(readOnly))],
      [
        'chained',
        () => sts.assumeRole(roles.get('prod-auditor')!, options),
        async () => {
          await alice.send(new AssumeRoleCommand(readOnly));
          await asReadOnly.send(new AssumeRoleCommand(auditor));
        },
      ],
      ['MFA session reused', () => sts.assumeRole(roles.get('prod-admin')!, options), () => asBobMfa.send(new AssumeRoleCommand(admin))],
    ];
    const figures: AssumeFigure[] = [];
    for (const [name, core, bare] of cases.filter(([name]) => !only || name === only)) {
      figures.push(await measure(server, runs, name, core, bare));
    }
    return figures;
  } finally {
    clients.forEach((c) => c.destroy());
    cache.clear(); // closes the core's pooled clients
    await server.close();
  }
}
