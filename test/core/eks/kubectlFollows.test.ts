// Core tests: once, on today's Node.
// kubectl in a VS Code terminal follows the active role: the kubeconfig this extension writes runs the real AWS CLI's
// `aws eks get-token` with no profile, so the token is made from the terminal's identity, which is the credential
// endpoint's active role. A stand-in for the cluster's API server (HTTPS: kubectl sends exec credentials over TLS
// only) reads each bearer token as EKS's authenticator does: it is a presigned STS GetCallerIdentity URL, whose
// key and session token name the caller at the local STS. A switch changes who kubectl is, with no new terminal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import { endpointEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import { describeCluster } from '../../../src/core/eks/clusters';
import { writeKubeconfig } from '../../../src/core/eks/kubeconfig';
import { type EndpointWorld, startEndpointWorld, TestProvider } from '../../support/endpointWorld';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const KUBECTL = '/usr/bin/kubectl';
const skip =
  (!fs.existsSync('/usr/bin/aws') && 'the AWS CLI is not installed at /usr/bin/aws') ||
  (!fs.existsSync(KUBECTL) && 'kubectl is not installed at /usr/bin/kubectl') ||
  (!fs.existsSync('/usr/bin/openssl') && 'openssl is needed for the stand-in API server certificate') ||
  (!fs.existsSync(HELPER) && 'dist/credentialHelper.js is missing: run npm run build');

let world: EndpointWorld;
let provider: TestProvider;
let endpoint: CredentialEndpoint;
let apiServer: Server;
let home: string;
let terminal: Record<string, string>;
/** The callers the stand-in API server saw, from each request's token. */
const seen: string[] = [];

/** EKS's authenticator, in short: the token is `k8s-aws-v1.` + base64url of a presigned GetCallerIdentity URL. */
function callerOfToken(authorization: string | undefined): string {
  const token = /^Bearer k8s-aws-v1\.([\w-]+)$/.exec(authorization ?? '')?.[1];
  if (!token) return 'no token';
  const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  if (url.searchParams.get('Action') !== 'GetCallerIdentity' || !url.searchParams.get('X-Amz-SignedHeaders')?.includes('x-k8s-aws-id')) {
    return 'not a GetCallerIdentity presigned for a cluster';
  }
  const key = url.searchParams.get('X-Amz-Credential')!.split('/')[0];
  const { caller } = world.aws.identities.resolve(key, url.searchParams.get('X-Amz-Security-Token') ?? undefined);
  return caller.kind === 'session' ? caller.session.arn : caller.user.arn;
}

async function standInApiServer(folder: string): Promise<{ url: string; ca: string }> {
  const key = path.join(folder, 'api.key');
  const cert = path.join(folder, 'api.crt');
  await run('/usr/bin/openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
    ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
  ]);
  apiServer = createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const caller = callerOfToken(req.headers.authorization);
    seen.push(caller);
    const body = JSON.stringify({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: { userInfo: { username: caller } },
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, ca: fs.readFileSync(cert).toString('base64') };
}

/** `kubectl get --raw /whoami` in the terminal: the stand-in answers with the caller it read from the token. */
async function kubectlWho(): Promise<string> {
  const { stdout } = await run(KUBECTL, ['get', '--raw', '/whoami'], { env: terminal, cwd: home });
  return (JSON.parse(stdout) as { status: { userInfo: { username: string } } }).status.userInfo.username;
}

before(async () => {
  if (skip) return;
  world = await startEndpointWorld();
  provider = new TestProvider(world);
  provider.active = await world.assume('dev-readonly');
  endpoint = new CredentialEndpoint({ provider, log: () => undefined, now: () => Date.now() });
  const endpointUrl = (await endpoint.start()).url;
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-kubectl-'));
  const api = await standInApiServer(home);
  const configFile = await writeTerminalProfile({
    folder: path.join(home, 'globalStorage'),
    personConfigPath: path.join(home, '.aws/config'),
    command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
    region: 'eu-west-1',
  });
  const changes = endpointEnvironment({ configFile, endpointUrl, followingToken: endpoint.issueToken({ kind: 'following' }) });
  terminal = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...changes.replace };
  for (const [name, value] of Object.entries(changes.prepend)) terminal[name] = value + (terminal[name] ?? '');
  // The cluster as the local EKS describes it, its API server replaced by the stand-in (AWS's would be remote).
  const cluster = await describeCluster(provider.active.credentials, 'dev-apps', {
    region: 'eu-west-1',
    endpoint: world.aws.url,
    timeoutMs: 5000,
  });
  await writeKubeconfig({ cluster: { ...cluster, endpoint: api.url, certificateAuthority: api.ca } }, { HOME: home });
});

after(async () => {
  if (skip) return;
  await new Promise((resolve) => apiServer.close(resolve));
  await endpoint.stop();
  await world.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('kubectl follows the active role', { skip }, () => {
  it('kubectl is the active role, its token made by aws eks get-token through the credential endpoint', async () => {
    assert.equal(await kubectlWho(), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
  });

  it('after a switch, the same terminal and kubeconfig are the new role', async () => {
    provider.active = await world.assume('dev-deployer');
    assert.match(await kubectlWho(), /^arn:aws:sts::222222222222:assumed-role\/Deployer\//);
    provider.active = await world.assume('dev-readonly');
    assert.equal(await kubectlWho(), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
  });

  it('with no active role kubectl gets no token, and says so', async () => {
    const active = provider.active;
    provider.active = undefined;
    try {
      const failed = await run(KUBECTL, ['get', '--raw', '/whoami'], { env: terminal, cwd: home }).then(
        () => undefined,
        (error: { stderr?: string }) => error.stderr ?? '',
      );
      assert.ok(failed !== undefined, 'kubectl failed');
      assert.match(failed, /No AWS role is active in VS Code/);
    } finally {
      provider.active = active;
    }
  });
});
