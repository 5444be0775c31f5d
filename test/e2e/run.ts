// `npm run test:vscode`: the extension inside a real VS Code (code-server), against the local AWS and Vault.
// 1. the mocha suite in the extension host (test/vscode/suite), in today's VS Code and again in the oldest one
// engines.vscode accepts (test/tools/runtimes.json), 2. the UI scenarios (test/e2e/*.test.ts) in today's,
// 3. a scan of everything VS Code wrote for credentials the servers issued.
// A scenario file that fails runs once more, alone, in a fresh VS Code (new user data, home and workspace), only to
// tell a flaky file (it passes then) from a broken one: either way its failure stands. Flaky files are named above
// the summary with both tries' pictures. Skipped tests are named with their reasons (and fail in CI: CI=true).
// Arguments: words that pick scenario files by name; --no-suite, --no-floor, --no-scenarios to skip a part;
// --no-retry.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { startServers } from '../servers';
import { type CodeServer, type Runtime, projectRoot, runtimeVersions, startCodeServer, workbenchUrl } from './codeServer';
import { demoSettings, prepareDemoHome, prepareDemoWorkspace, startConsoleForwarder, startIdentityCenterForwarder } from './demoWorld';
import { type E2eEnv, chromiumPath, launchBrowser, screenshot, screenshotsDir } from './driver';
import { fixtureSecrets, scanForSecrets } from './secretScan';
import { DEMO_USERS } from '../servers/vault';
import { RESULT_MARKER } from '../vscode/index';
import { type Counts, type Skip, judgeSkips, readTap, summaryLine } from '../tools/testReport';

interface Outcome {
  name: string;
  passed: number;
  failed: number;
  skipped: Skip[];
}

/** What one scenario file's process reported, and the pictures its failures left. */
interface FileOutcome extends Counts {
  file: string;
  pictures: string[];
}

const SUITE_TIMEOUT_MS = 5 * 60_000;
// Workbench chatter in the extension host's console that says nothing about the tests.
const workbenchNoise =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore:|getaddrinfo ENOTFOUND open-vsx\.org|Creation of workbench contribution|\[reconnection-grace-time\]|\[AgentHost|\[AccountPolicyGate\]|\[ChatModelSelection\]|Timed out waiting for authentication provider 'github')/;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const started = Date.now();
  fs.rmSync(screenshotsDir, { recursive: true, force: true });
  const chromiumMissing = !fs.existsSync(chromiumPath());
  if (chromiumMissing) {
    const skip = {
      name: 'the extension-host suites and the UI scenarios',
      reason: `no Chromium at ${chromiumPath()} (apt-get install -y chromium)`,
    };
    return report([{ name: 'VS Code', passed: 0, failed: 0, skipped: [skip] }], started);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-e2e-'));
  const servers = await startServers();
  const outcomes: Outcome[] = [];
  try {
    // The suite's code-server runs extension tests, which stops notification toasts: the scenarios get their own.
    if (!args.includes('--no-suite')) {
      outcomes.push(...(await runAll(servers, 'today', path.join(root, 'suite'), ['--no-scenarios'], started)).outcomes);
      if (!args.includes('--no-floor')) {
        outcomes.push(...(await runAll(servers, 'floor', path.join(root, 'floor'), ['--no-scenarios'], started)).outcomes);
      }
    }
    const first = args.includes('--no-scenarios')
      ? { outcomes: [], files: [] }
      : await runAll(servers, 'today', path.join(root, 'first'), ['--no-suite', ...args], started);
    outcomes.push(...first.outcomes);
    const failedFiles = first.files.filter((f) => f.failed > 0);
    if (failedFiles.length > 0 && !args.includes('--no-retry')) {
      const names = failedFiles.map((f) => path.basename(f.file, '.test.js'));
      log(`second try, alone in a fresh VS Code, of the scenario files that failed: ${names.join(', ')}`);
      const secondArgs = ['--no-suite', ...names.map((n) => `${n}.test.js`)];
      const second = await runAll(servers, 'today', path.join(root, 'second'), secondArgs, started, 'second-try');
      outcomes.push(...second.outcomes.filter((o) => o.name === 'secret scan'));
      nameFlaky(failedFiles, second.files);
    }
  } finally {
    await servers.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return report(outcomes, started);
}

function report(outcomes: Outcome[], started: number): number {
  for (const o of outcomes) log(`${o.name}: ${summaryLine(o)}`);
  log(`finished in ${seconds(started)}; screenshots in ${path.relative(process.cwd(), screenshotsDir) || '.'}`);
  const total = judgeSkips(
    {
      passed: outcomes.reduce((n, o) => n + o.passed, 0),
      failed: outcomes.reduce((n, o) => n + o.failed, 0),
      skipped: outcomes.flatMap((o) => o.skipped),
    },
    log,
  );
  console.log(summaryLine(total));
  return total.failed > 0 || total.passed === 0 ? 1 : 0;
}

type Servers = Awaited<ReturnType<typeof startServers>>;

/**
 * A file that failed and then passed alone is flaky: a person would have met that failure too, so it stays counted
 * as failed (with the first try's numbers), and is named here with the pictures of both tries.
 */
function nameFlaky(failedFirst: FileOutcome[], second: FileOutcome[]): void {
  for (const first of failedFirst) {
    const again = second.find((s) => s.file === first.file);
    const name = path.basename(first.file);
    const verdict = !again ? 'did not run again' : again.failed === 0 ? 'passed its second try' : 'failed its second try too';
    log(`${again && again.failed === 0 ? 'flaky' : 'failed'}: ${name} failed its first try and ${verdict}`);
    for (const picture of first.pictures) log(`  first try:  ${path.relative(process.cwd(), picture)}`);
    for (const picture of again?.pictures ?? []) log(`  second try: ${path.relative(process.cwd(), picture)}`);
  }
}

function sum(files: FileOutcome[], key: 'passed' | 'failed'): number {
  return files.reduce((n, f) => n + f[key], 0);
}

async function runAll(
  servers: Servers,
  runtime: Runtime,
  root: string,
  args: string[],
  started: number,
  picturesSubdir = '',
): Promise<{ outcomes: Outcome[]; files: FileOutcome[] }> {
  fs.mkdirSync(root, { recursive: true });
  const outcomes: Outcome[] = [];
  let files: FileOutcome[] = [];
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  const env = prepareDemoHome(home);
  prepareDemoWorkspace(workspace);
  const shared = {
    awsUrl: servers.aws.url,
    vaultUrl: servers.vault.url,
    vaultRootToken: servers.vault.rootToken,
    ssoUrl: servers.sso.url,
    home,
    workspace,
  };
  const consoleForwarder = await startConsoleForwarder(servers.aws.url);
  const ssoForwarder = await startIdentityCenterForwarder(servers.sso);
  const codeServer = await startCodeServer({
    runtime,
    extensionTests: !args.includes('--no-suite'),
    workspace,
    settings: demoSettings({ ...shared, home, consoleUrl: consoleForwarder.url, identityCenter: ssoForwarder.identityCenter }),
    // The extension-host suite reads the server URLs from here.
    env: {
      ...env,
      IAM_SWITCHBOARD_E2E: JSON.stringify(shared),
      // The SDK's EKS client (Write kubeconfig for EKS Cluster…) and the `aws login` provider's Sign-In client take
      // their endpoints from these, as any SDK client does: the local server answers both.
      AWS_ENDPOINT_URL_EKS: servers.aws.url,
      AWS_ENDPOINT_URL_SIGNIN: servers.aws.url,
      // Kubeconfigs go to the demo HOME's ~/.kube/config, never to a file the person running the tests points at.
      KUBECONFIG: undefined,
      IAM_SWITCHBOARD_SUITE_GREP: process.env.IAM_SWITCHBOARD_SUITE_GREP,
      // Every message the extension shows lands here too, for the secret scan.
      IAM_SWITCHBOARD_MESSAGES_FILE: messagesFile(root),
    },
  });
  const vscodeVersion = `VS Code ${runtimeVersions(runtime).vscode}`;
  try {
    log(`code-server ${runtimeVersions(runtime).codeServer} (${vscodeVersion}) ${codeServer.url} ready after ${seconds(started)}`);
    const e2e: E2eEnv = {
      ...shared,
      workbenchUrl: workbenchUrl(codeServer, { extensionDevelopmentPath: projectRoot }),
      codeServerUrl: codeServer.url,
      userDataDir: codeServer.dirs.userData,
    };
    if (!args.includes('--no-suite')) {
      outcomes.push(await phase(`extension-host suite in ${vscodeVersion}`, () => runExtensionHostSuite(codeServer, runtime)));
    }
    if (!args.includes('--no-scenarios')) {
      const filters = args.filter((a) => !a.startsWith('--'));
      outcomes.push(
        await phase(`UI scenarios in ${vscodeVersion}${picturesSubdir ? ` (${picturesSubdir})` : ''}`, async () => {
          files = await runScenarios(e2e, filters, root, path.join(screenshotsDir, picturesSubdir));
          return { passed: sum(files, 'passed'), failed: sum(files, 'failed'), skipped: files.flatMap((f) => f.skipped) };
        }),
      );
    }
  } finally {
    await codeServer.stop();
    await consoleForwarder.close();
    await ssoForwarder.close();
  }
  // After code-server stopped, so state it flushes on shutdown is scanned too.
  outcomes.push(await phase('secret scan', () => scan(codeServer, servers, root)));
  if (!process.env.IAM_SWITCHBOARD_KEEP_FILES) codeServer.removeFiles();
  return { outcomes, files };
}

// A part that crashes counts as one failure, and the other parts still run.
async function phase(name: string, fn: () => Promise<Omit<Outcome, 'name'>>): Promise<Outcome> {
  const started = Date.now();
  log(`${name}…`);
  try {
    const result = await fn();
    log(`${name} done in ${seconds(started)}`);
    return { name, ...result };
  } catch (error) {
    console.error(`e2e: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { name, passed: 0, failed: 1, skipped: [] };
  }
}

// The workbench runs test/vscode/index.js in the extension host when the page URL carries
// extensionTestsPath, streams the host's console to codeAutomationLog and reports run()'s outcome to
// codeAutomationExit (0 resolved, 1 rejected).
async function runExtensionHostSuite(server: CodeServer, runtime: Runtime): Promise<Omit<Outcome, 'name'>> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let counts: { passed: number; failed: number; skipped?: Skip[] } | undefined;
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => {
      exit = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      if (workbenchNoise.test(text)) return;
      const marker = text.indexOf(RESULT_MARKER);
      if (marker >= 0) counts = JSON.parse(text.slice(marker + RESULT_MARKER.length));
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.goto(
      workbenchUrl(server, {
        extensionDevelopmentPath: projectRoot,
        extensionTestsPath: path.join(projectRoot, 'out', 'test', 'vscode', 'index.js'),
      }),
    );
    const code = await Promise.race([exited, timeout(SUITE_TIMEOUT_MS, 'the extension-host suite')]);
    await screenshot(page, `extension-host-suite-${runtime}`).catch(() => undefined);
    if (!counts) return { passed: 0, failed: 1, skipped: [] }; // run() never got to report: the suite failed to load
    return { passed: counts.passed, failed: code !== 0 && counts.failed === 0 ? 1 : counts.failed, skipped: counts.skipped ?? [] };
  } finally {
    await browser.close();
  }
}

// Each scenario file runs in its own process with its own browser page, one at a time (one code-server).
async function runScenarios(e2e: E2eEnv, filters: string[], root: string, pictures: string): Promise<FileOutcome[]> {
  const dir = path.join(projectRoot, 'out', 'test', 'e2e');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js') && (filters.length === 0 || filters.some((w) => f.includes(w))))
    .sort()
    .map((f) => path.join(dir, f));
  const outcomes: FileOutcome[] = [];
  for (const file of files) outcomes.push(await runScenarioFile(e2e, file, root, pictures));
  return outcomes;
}

async function runScenarioFile(e2e: E2eEnv, file: string, root: string, pictures: string): Promise<FileOutcome> {
  const tap = path.join(root, `${path.basename(file)}.tap`);
  const before = new Set(failurePictures(pictures));
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        file,
      ],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          IAM_SWITCHBOARD_E2E: JSON.stringify(e2e),
          IAM_SWITCHBOARD_SCREENSHOTS: pictures,
          IAM_SWITCHBOARD_SECOND_TRY: pictures === screenshotsDir ? undefined : '1',
        },
      },
    );
    child.on('error', reject);
    child.on('close', (status) => resolve(status ?? 1));
  });
  const counts = readTap(fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '');
  const failed = code !== 0 && counts.failed === 0 ? 1 : counts.failed;
  return { file, ...counts, failed, pictures: failurePictures(pictures).filter((p) => !before.has(p)) };
}

/** The pictures the driver takes when a scenario fails (failed-…png), and in a second try when it passes. */
function failurePictures(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^(failed|passed)-.*\.png$/.test(f))
    .map((f) => path.join(dir, f));
}

async function scan(server: CodeServer, servers: Servers, root: string): Promise<Omit<Outcome, 'name'>> {
  const passwords = Object.values(DEMO_USERS).map((user) => user.password);
  const ssoPasswords = servers.sso.world.users.map((user) => user.password);
  const secrets = [
    // A long-lived key's ID names the key, as a user name does (AWS shows it in the IAM console and CloudTrail):
    // Rotate Access Key names the old and new keys so the person can find them there. Its secret is scanned.
    ...servers.aws.issuedSecrets().filter((s) => !/^AKIA[A-Z0-9]{16}$/.test(s)),
    ...servers.vault.issuedTokens(),
    servers.vault.rootToken,
    ...passwords,
    ...fixtureSecrets(),
    // The local Identity Center's client secrets, device codes, access and refresh tokens, and its passwords.
    ...servers.sso.issuedSecrets(),
    ...ssoPasswords,
  ];
  const dirs = [server.dirs.userData, server.dirs.extensions, server.workspace, path.dirname(messagesFile(root))];
  const findings = scanForSecrets(dirs, secrets);
  for (const f of findings) console.error(`e2e: a secret (${f.secretPrefix}) was written to ${f.file}`);
  const messages = fs.existsSync(messagesFile(root)) ? fs.readFileSync(messagesFile(root), 'utf8').split('\n').length - 1 : 0;
  log(`scanned ${dirs.length} folders (${messages} messages shown) for ${secrets.length} secrets: ${findings.length} found`);
  return findings.length === 0 ? { passed: 1, failed: 0, skipped: [] } : { passed: 0, failed: 1, skipped: [] };
}

/** The file (in a folder of its own) where the extension records the messages it shows. */
function messagesFile(root: string): string {
  const dir = path.join(root, 'messages');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, 'messages.log');
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms).unref());
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function log(message: string): void {
  console.log(`e2e: ${message}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`e2e: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exitCode = 1;
  },
);
