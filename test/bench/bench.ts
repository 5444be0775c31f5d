// `npm run bench`: the role switcher's costs, from one run.
// 1. activation of dist/extension.js with a stub `vscode` (no SDK may load), 2. ~/.aws/config load + catalog at
// 2,000 profiles, 3. the core assume-role path against a bare @aws-sdk/client-sts AssumeRole, same local server.
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAwsConfig } from '../../src/core/awsConfig';
import { buildCatalog } from '../../src/core/roles';
import { assumeRole, StsCache } from '../../src/core/sts';
import { startAwsServer } from '../servers/aws';

const ROOT = path.resolve(__dirname, '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeEach(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

/** Anything: every property, call and `new` gives another stub; enough for activate() to wire itself. */
function stub(): unknown {
  const target = function () {
    /* stub */
  };
  return new Proxy(target, {
    get: (_t, prop) => (prop === 'then' ? undefined : prop === Symbol.toPrimitive ? () => '' : stub()),
    set: () => true, // item.name = …, collection.persistent = …
    apply: () => stub(),
    construct: () => stub() as object,
  });
}

// The vscode API names src/ uses. Listed, because the bundle copies the module's own keys (esbuild's
// __toESM), and a key it does not see is undefined, e.g. the base class of a tree node.
const VSCODE_NAMES = [
  'commands', 'debug', 'env', 'window', 'workspace', 'extensions', 'languages', 'tasks', 'l10n',
  'ConfigurationTarget', 'Disposable', 'EventEmitter', 'ExtensionMode', 'MarkdownString', 'ProgressLocation',
  'StatusBarAlignment', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'Uri', 'ViewColumn',
  'Range', 'Position', 'SnippetString', 'CompletionItem', 'CompletionItemKind', 'RelativePattern', 'FileType',
];

async function activation(): Promise<{ ms: number; sdkLoaded: boolean }> {
  const vscode = Object.fromEntries(VSCODE_NAMES.map((name) => [name, stub()]));
  const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleWithLoad._load;
  moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  const subscriptions: { dispose(): unknown }[] = [];
  const context = {
    subscriptions,
    extensionMode: 1,
    globalState: { get: (_k: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [] },
    workspaceState: { get: (_k: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [] },
    secrets: stub(),
    environmentVariableCollection: stub(),
    extensionPath: ROOT,
    extensionUri: stub(),
    globalStorageUri: stub(),
    logUri: stub(),
  };
  try {
    const started = performance.now();
    const extension = require(path.join(ROOT, 'dist', 'extension.js')) as { activate(context: unknown): unknown };
    extension.activate(context);
    const elapsed = performance.now() - started;
    const sdkLoaded = Object.keys(require.cache).some((file) => file === path.join(ROOT, 'dist', 'sdk.js'));
    subscriptions.forEach((s) => s.dispose());
    return { ms: elapsed, sdkLoaded };
  } finally {
    moduleWithLoad._load = load;
  }
}

/** A config the size people report: 2,000 role profiles over 20 source profiles, some chained, some MFA. */
function writeLargeConfig(dir: string, count: number): { configPath: string; credentialsPath: string } {
  const config: string[] = ['[default]', 'region = eu-west-1', ''];
  const credentials: string[] = [];
  for (let s = 0; s < 20; s++) {
    config.push(`[profile source-${s}]`, 'region = eu-west-1', '');
    credentials.push(`[source-${s}]`, `aws_access_key_id = AKIABENCH${String(s).padStart(11, '0')}`, 'aws_secret_access_key = benchSecret', '');
  }
  for (let i = 0; i < count; i++) {
    const account = String(100000000000 + (i % 200)).padStart(12, '0');
    config.push(`[profile role-${i}]`, `role_arn = arn:aws:iam::${account}:role/Role${i}`);
    config.push(i % 10 === 9 ? `source_profile = role-${i - 1}` : `source_profile = source-${i % 20}`);
    if (i % 7 === 0) config.push(`mfa_serial = arn:aws:iam::111111111111:mfa/user${i % 20}`);
    if (i % 11 === 0) config.push('external_id = bench', 'duration_seconds = 3600');
    config.push('region = us-east-1', '');
  }
  const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
  fs.writeFileSync(files.configPath, config.join('\n'));
  fs.writeFileSync(files.credentialsPath, credentials.join('\n'));
  return files;
}

async function configAtScale(): Promise<{ cold: number; median: number; roles: number; lines: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-bench-'));
  try {
    const files = writeLargeConfig(dir, 2000);
    let roles = 0;
    const run = async () => {
      const config = await loadAwsConfig(files);
      roles = buildCatalog({ profiles: config.profiles }).roles.length;
    };
    const [cold] = await timeEach(1, run);
    const warm = await timeEach(20, run);
    return { cold, median: median(warm), roles, lines: fs.readFileSync(files.configPath, 'utf8').split('\n').length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function assumeRoleCost(): Promise<{ core: number; bare: number }> {
  const server = await startAwsServer();
  try {
    const files = { configPath: path.join(ROOT, 'test/fixtures/aws/config'), credentialsPath: path.join(ROOT, 'test/fixtures/aws/credentials') };
    const config = await loadAwsConfig(files);
    const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
    const cache = new StsCache();
    const core = () => assumeRole(role, { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache });

    const sdk = await import('../../src/core/sdk');
    const client = new sdk.STSClient({
      region: 'eu-west-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' },
    });
    const bare = () => client.send(new sdk.AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'alice' }));
    await timeEach(3, core); // warm-up: module loading, connections
    await timeEach(3, bare);
    const coreTimes = await timeEach(RUNS, core);
    const bareTimes = await timeEach(RUNS, bare);
    client.destroy();
    return { core: median(coreTimes), bare: median(bareTimes) };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `node esbuild.mjs` (npm run bench does).');
  }
  const activated = await activation();
  console.log(`activation of dist/extension.js (stub vscode): ${ms(activated.ms)}; SDK bundle loaded: ${activated.sdkLoaded ? 'YES (regression)' : 'no'}`);
  // What the first tree display or assume pays once: parsing the lazily loaded SDK bundle.
  const sdkStarted = performance.now();
  require(path.join(ROOT, 'dist', 'sdk.js'));
  console.log(`first use: loading dist/sdk.js: ${ms(performance.now() - sdkStarted)}`);
  await import('../../src/core/sdk'); // the unbundled copy the core modules below use, loaded outside the timings
  const scale = await configAtScale();
  console.log(`~/.aws/config load + catalog, ${scale.roles} role profiles (${scale.lines} lines): first ${ms(scale.cold)}, median of 20 ${ms(scale.median)}`);
  const assume = await assumeRoleCost();
  console.log(`AssumeRole, median of ${RUNS}: core path (profile → fromIni → STS) ${ms(assume.core)}, bare client-sts ${ms(assume.bare)}, overhead ${ms(assume.core - assume.bare)}`);
  if (activated.sdkLoaded) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
