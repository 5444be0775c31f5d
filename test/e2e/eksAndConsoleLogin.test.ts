// Issue 23 in a real VS Code: kubectl follows a switch, and an `aws login` session is the source of a role.
// 1. "Write kubeconfig for EKS Cluster…" from the palette (region and cluster picked as a person does, the cluster
//    from the local EKS through AWS_ENDPOINT_URL_EKS, which run.ts gives code-server); then in ONE terminal the real
//    kubectl runs the real `aws eks get-token` from that kubeconfig against a stand-in for the cluster's API server,
//    which reads each bearer token as EKS's authenticator does: kubectl is dev-readonly, after a switch in the tree
//    dev-deployer, and after Clear it gets no token and says so in one sentence.
// 2. A role profile whose source_profile is a `login_session` profile: before any sign-in, Assume says to sign in;
//    right after the login cache appears (written as `aws login` writes it) the same window assumes the role, with no
//    reload (aws-toolkit-vscode#8488 failed exactly there), and a terminal's AWS CLI is that role; a later `aws login`
//    is used at the next switch although the window still holds the earlier sign-in, which AWS has ended by then.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import * as yaml from 'js-yaml';
import type { Browser, Page } from 'playwright-core';
import {
  assumeFromTree,
  clickAssume,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  notifications,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  runCommand,
  scenario,
  screenshot,
  statusBarItem,
  terminalTab,
  treeItem,
  waitForNotification,
} from './driver';
import { expectIn } from './terminalText';

const { awsUrl, workbenchUrl, workspace, home } = e2eEnv();
const folder = path.join(workspace, 'eks-and-console-login');
const configPath = path.join(home, '.aws', 'config');
const loginCacheDir = path.join(home, '.aws', 'login');
const kubeDir = path.join(home, '.kube');
const KUBECTL_WHO = 'kubectl get --raw /whoami';
const callerArn = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const READONLY = /"username":"arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice"/;
const DEPLOYER = /"username":"arn:aws:sts::222222222222:assumed-role\/Deployer\/[\w+=,.@-]+"/;
const NO_ROLE = /No AWS role is active in VS Code: pick one in IAM Switchboard/;
const ALICE = 'arn:aws:iam::111111111111:user/alice';
/** The ordinary terminal of this folder: VS Code names it after its shell. */
const TERMINAL = 'bash';

let browser: Browser;
let page: Page;
let apiServer: Server | undefined;
let originalConfig: string;

before(async () => {
  fs.mkdirSync(folder, { recursive: true });
  originalConfig = fs.readFileSync(configPath, 'utf8');
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
});

after(async () => {
  await browser?.close();
  if (apiServer) await new Promise((resolve) => apiServer!.close(resolve));
  // Later scenario files share this HOME: leave it as it was.
  fs.writeFileSync(configPath, originalConfig);
  fs.rmSync(loginCacheDir, { recursive: true, force: true });
  fs.rmSync(kubeDir, { recursive: true, force: true });
});

scenario('kubectl in one terminal follows a switch in the tree, from a kubeconfig written from the palette', async () => {
  await assumeFromTree(page, 'dev-readonly');
  await runCommand(page, 'IAM Switchboard: Write kubeconfig for EKS Cluster…');
  await pickWhenAsked('Region of the cluster', 'eu-west-1');
  await pickWhenAsked('Cluster in eu-west-1', 'dev-apps');
  await pickWhenAsked('Whose credentials kubectl uses', 'Follow the active role');
  const message = await waitForNotification(page, /Added context .* in .*: kubectl uses the active role/);
  const file = /in (\/\S+): kubectl/.exec(message)![1];
  assert.equal(file, path.join(kubeDir, 'config'), 'the person has no $KUBECONFIG: ~/.kube/config');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the kubeconfig is readable by its owner only');
  await screenshot(page, 'eks-kubeconfig-written');
  await pointClusterAtStandIn(file, 'arn:aws:eks:eu-west-1:222222222222:cluster/dev-apps');

  await openTerminal();
  await expectIn(page, TERMINAL, KUBECTL_WHO, READONLY);
  await assumeFromTree(page, 'dev-deployer');
  await expectIn(page, TERMINAL, KUBECTL_WHO, DEPLOYER);
  await screenshot(page, 'eks-kubectl-follows-switch');
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await expectIn(page, TERMINAL, KUBECTL_WHO, NO_ROLE);
  await screenshot(page, 'eks-kubectl-after-clear');
});

scenario('a role whose source is an `aws login` session: sign in is asked for, then the fresh login works at once', async () => {
  fs.appendFileSync(
    configPath,
    [
      '',
      '[profile console]',
      `login_session = ${ALICE}`,
      'region = eu-west-1',
      '',
      '[profile dev-via-console]',
      'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
      'source_profile = console',
      'role_session_name = console-alice',
      '',
    ].join('\n'),
  );
  // The roles view reads ~/.aws again when it changes.
  await treeItem(page, 'dev-via-console').first().waitFor({ timeout: 20_000 });
  await clickAssume(page, 'dev-via-console');
  await waitForNotification(
    page,
    "Profile 'console' has no current console sign-in: run 'Sign in with Console Credentials' (aws login --profile console), then try again.",
  );
  // The mouse away to the empty editor: a hover card of the terminal's tab (clicked to type the last line) or of the
  // row would cover the terminal's output in the picture. A card that stays only spoils the picture, so it is said.
  await page.mouse.move(700, 300, { steps: 5 });
  await page
    .locator('.workbench-hover-container:visible')
    .first()
    .waitFor({ state: 'detached', timeout: 5_000 })
    .catch(() => console.log('e2e: a hover card still covers part of console-login-not-signed-in.png'));
  await screenshot(page, 'console-login-not-signed-in');

  await signInAsAwsLoginDoes('111111111111', 'alice', 'eu-west-1');
  await assumeFromTree(page, 'dev-via-console');
  await expectIn(page, TERMINAL, callerArn, /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/console-alice/);
  await screenshot(page, 'console-login-role-in-terminal');
});

scenario('a new `aws login` is used at the next switch, without a reload, while the old sign-in still looks current', async () => {
  // Away from the console role to one with long-lived source keys, so nothing active depends on the old sign-in.
  await assumeFromTree(page, 'dev-readonly');
  // The first console session has ended at AWS (16 minutes on; it lasts 15), while its expiry as the window cached
  // it is still ahead: only the new cache file tells the window to read the sign-in again.
  await advanceAwsClock(16 * 60_000);
  try {
    await signInAsAwsLoginDoes('111111111111', 'alice', 'eu-west-1');
    await assumeFromTree(page, 'dev-via-console');
    // Using the ended sign-in says "The credentials of profile console have expired" (seen with the stamp removed).
    assert.deepEqual(
      (await notifications(page)).filter((text) => /expired/i.test(text)),
      [],
      'the ended sign-in was not used',
    );
    await expectIn(page, TERMINAL, callerArn, /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/console-alice/);
  } finally {
    await advanceAwsClock(-16 * 60_000);
  }
  await screenshot(page, 'console-login-new-sign-in');
});

async function advanceAwsClock(advanceMs: number): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/clock`, { method: 'POST', body: JSON.stringify({ advanceMs }) });
  assert.equal(response.status, 200, 'POST /__test/clock');
}

/** Waits until the quick pick asks `placeholder`, then picks the row `row`. */
async function pickWhenAsked(placeholder: string, row: string): Promise<void> {
  await page.locator(`.quick-input-widget:visible input[placeholder="${placeholder}"]`).waitFor({ timeout: 20_000 });
  await pickQuickItem(page, row);
}

/** What `aws login --profile console` leaves behind once the person signed in: the cache file the SDK reads, 0600. */
async function signInAsAwsLoginDoes(account: string, user: string, region: string): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/console-login`, { method: 'POST', body: JSON.stringify({ account, user, region }) });
  assert.equal(response.status, 200, 'POST /__test/console-login');
  // As the CLI and the SDK name it (LoginCredentialsFetcher.getTokenFilePath): sha256 of the login_session.
  const digest = createHash('sha256').update(ALICE).digest('hex');
  const cache = path.join(loginCacheDir, 'cache');
  fs.mkdirSync(cache, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(cache, `${digest}.json`), JSON.stringify(await response.json(), null, 2), { mode: 0o600 });
}

/**
 * The cluster's API server is AWS's, out of reach here: its entry in the written kubeconfig is pointed at a stand-in
 * on 127.0.0.1 over HTTPS (kubectl sends exec credentials over TLS only). The user entry, with its exec of
 * `aws eks get-token`, stays exactly as the extension wrote it.
 */
async function pointClusterAtStandIn(file: string, clusterArn: string): Promise<void> {
  const api = await startStandInApiServer();
  const config = yaml.load(fs.readFileSync(file, 'utf8')) as { clusters: { name: string; cluster: Record<string, string> }[] };
  const entry = config.clusters.find((c) => c.name === clusterArn);
  assert.ok(entry, `the kubeconfig has the cluster ${clusterArn}`);
  entry.cluster.server = api.url;
  entry.cluster['certificate-authority-data'] = api.ca;
  fs.writeFileSync(file, yaml.dump(config), { mode: 0o600 });
}

/**
 * EKS's authenticator, in short: the bearer token is `k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity
 * URL, and the caller is whoever its key and session token are (asked of the local STS). Answers /whoami with it.
 */
async function startStandInApiServer(): Promise<{ url: string; ca: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-eks-api-'));
  const key = path.join(dir, 'api.key');
  const cert = path.join(dir, 'api.crt');
  execFileSync('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
    ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
  ]);
  const tls = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  const server = createServer(tls, (req, res) => {
    void callerOfToken(req.headers.authorization).then((username) => {
      const body = JSON.stringify({
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        status: { userInfo: { username } },
      });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  apiServer = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: tls.cert.toString('base64') };
}

async function callerOfToken(authorization: string | undefined): Promise<string> {
  const token = /^Bearer k8s-aws-v1\.([\w-]+)$/.exec(authorization ?? '')?.[1];
  if (!token) return 'no token';
  const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  if (url.searchParams.get('Action') !== 'GetCallerIdentity' || !url.searchParams.get('X-Amz-SignedHeaders')?.includes('x-k8s-aws-id')) {
    return 'not a GetCallerIdentity presigned for a cluster';
  }
  const response = await fetch(`${awsUrl}/__test/caller`, {
    method: 'POST',
    body: JSON.stringify({
      accessKeyId: url.searchParams.get('X-Amz-Credential')!.split('/')[0],
      sessionToken: url.searchParams.get('X-Amz-Security-Token') ?? undefined,
    }),
  });
  const answer = (await response.json()) as { arn?: string; error?: string };
  return answer.arn ?? `refused: ${answer.error}`;
}

async function openTerminal(): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  await terminalTab(page, TERMINAL).waitFor({ timeout: 10_000 });
}
