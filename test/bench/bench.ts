// `npm run bench`: one table of what the extension costs, each figure a median of repeated runs, a ratio to its
// baseline measured in the same run; the same figures as JSON under bench-results/ (git-ignored).
// The process re-runs itself with NODE_EXTRA_CA_CERTS set to a self-signed certificate made for this run, so the
// assume path is measured over TLS to the local STS, handshakes included.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './activation';
import { agentBench } from './agents';
import { assumePath, type CertFiles, selfSignedCert } from './assume';
import { configAtScale, writeLargeConfig } from './configScale';
import { leasePath, waitForKeys } from './lease';
import { identityCenterBench, identityCenterQuotaBench } from './identityCenter';
import { rolesUiBench } from './rolesUi';
import { median } from './stats';
import { vsixSize } from './vsix';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PROBE_RUNS = Number(process.env.BENCH_PROBE_RUNS ?? 7);
/** A switch is a few ms on the loopback, so its median needs more samples to settle on a shared machine. */
const ASSUME_RUNS = Number(process.env.BENCH_ASSUME_RUNS ?? RUNS * 3);
const DIST = path.join(ROOT, 'dist');

type Row = [figure: string, value: string, baseline: string, ratio: string, target: string];

const ms = (n: number) => `${n.toFixed(1)} ms`;
const x = (n: number) => `${n.toFixed(2)}×`;

function probe<T>(...args: [env: NodeJS.ProcessEnv, ...args: string[]] | string[]): T {
  const env = typeof args[0] === 'object' ? { ...process.env, ...(args.shift() as NodeJS.ProcessEnv) } : process.env;
  const out = execFileSync(process.execPath, ['--expose-gc', '--no-warnings', path.join(__dirname, 'probe.js'), ...(args as string[])], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

function probeRuns<T>(runs: number, ...args: string[]): T[] {
  return Array.from({ length: runs }, () => probe<T>(...args));
}

async function run(cert: CertFiles): Promise<void> {
  const rows: Row[] = [];
  const json: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    loadAverage: os.loadavg()[0].toFixed(1),
    runs: RUNS,
    assumeRuns: ASSUME_RUNS,
    probeRuns: PROBE_RUNS,
  };

  // With BENCH_BASELINE_DIST (another build's dist/, e.g. main's), its activation is measured in the same run,
  // alternating with this one's, and given as the baseline.
  const baselineDist = process.env.BENCH_BASELINE_DIST;
  const activations: { ms: number; cpuMs: number; loaded: string[]; heapMb: number }[] = [];
  const baselines: { ms: number; cpuMs: number; loaded: string[] }[] = [];
  for (let i = 0; i < PROBE_RUNS; i++) {
    activations.push(probe('activation'));
    if (baselineDist) baselines.push(probe<{ ms: number; cpuMs: number; loaded: string[] }>({ BENCH_DIST: baselineDist }, 'activation'));
  }
  const loaded = activations[0].loaded;
  // Activation may load the extension's own modules (dist/extension.js, dist/extension/) and nothing else. The stub's
  // settings are all set, so activation's background work (the workspace role check) may have loaded the config
  // reader, dist/iniLoader.js, by then, as the machine's timing decides: that is not activation's own load.
  const sdkLoaded = loaded.filter(
    (f) =>
      f !== path.join('dist', 'extension.js') &&
      f !== path.join('dist', 'iniLoader.js') &&
      !f.startsWith(path.join('dist', 'extension') + path.sep),
  );
  const activationMs = median(activations.map((a) => a.ms));
  const activationCpuMs = median(activations.map((a) => a.cpuMs));
  json.activation = { ms: activationMs, cpuMs: activationCpuMs, loaded, heapMb: median(activations.map((a) => a.heapMb)) };
  const extensionKb = loaded.reduce((sum, f) => sum + fs.statSync(path.join(ROOT, f)).size, 0) / 1024;
  const baseline = baselineDist
    ? {
        ms: median(baselines.map((b) => b.ms)),
        cpuMs: median(baselines.map((b) => b.cpuMs)),
        // The baseline's files are named relative to its dist/'s parent, as this build's are.
        kb:
          baselines[0].loaded.reduce((sum, f) => sum + fs.statSync(path.join(path.dirname(path.resolve(baselineDist)), f)).size, 0) / 1024,
      }
    : undefined;
  if (baseline) json.activationBaseline = { dist: baselineDist, ...baseline };
  rows.push([
    `activation (${extensionKb.toFixed(0)} KB in ${loaded.length} files, stub vscode)`,
    ms(activationMs),
    baseline ? `${ms(baseline.ms)} (baseline: ${baseline.kb.toFixed(0)} KB)` : '',
    baseline ? x(activationMs / baseline.ms) : '',
    'no SDK',
  ]);
  rows.push([
    '  its CPU time',
    ms(activationCpuMs),
    baseline ? ms(baseline.cpuMs) : '',
    baseline ? x(activationCpuMs / baseline.cpuMs) : '',
    '',
  ]);
  const chunks = loaded.filter((f) => path.basename(f).startsWith('chunk-'));
  rows.push([
    '  modules loaded besides node:*',
    [...loaded.filter((f) => !chunks.includes(f)), ...(chunks.length ? [`${chunks.length} shared chunks`] : [])].join(', '),
    '',
    '',
    sdkLoaded.length ? 'SDK LOADED (regression)' : 'none of the SDK',
  ]);
  rows.push(['heap after activation', `${median(activations.map((a) => a.heapMb)).toFixed(1)} MB`, '', '', '']);

  // credentialHelper.js is the program terminals run and agentMcpServer.js the one VS Code starts for the agent
  // tools, not bundles the extension loads. An AWS SDK part's size is what its first use parses: its file and the
  // shared chunks it imports.
  const bundles = [
    ...fs
      .readdirSync(path.join(DIST, 'aws'))
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => `aws/${f}`),
    ...fs.readdirSync(DIST).filter((f) => f.endsWith('.js') && !['extension.js', 'credentialHelper.js', 'agentMcpServer.js'].includes(f)),
  ];
  json.bundles = {};
  for (const file of bundles) {
    const probes = probeRuns<{ ms: number; loaded: string[] }>(PROBE_RUNS, 'bundle', file);
    const kb = probes[0].loaded.reduce((sum, f) => sum + fs.statSync(path.join(ROOT, f)).size, 0) / 1024;
    const load = median(probes.map((p) => p.ms));
    (json.bundles as Record<string, unknown>)[file] = { kb, files: probes[0].loaded.length, firstLoadMs: load };
    rows.push([
      `first use: load dist/${file} (${kb.toFixed(0)} KB in ${probes[0].loaded.length} files)`,
      ms(load),
      '',
      '',
      /stsSdk/.test(file) ? '≤ 60 ms for the switcher' : '',
    ]);
  }

  // Features activation leaves for their first use (src/features/lazy.ts): loaded after activation, in addition to it.
  json.features = {};
  for (const name of [
    'vaultLoaded',
    'identityCenter',
    'roles',
    'discoverRoles',
    'terraform',
    'moveKeys',
    'rotateKey',
    'agentWrite',
    'agentBackend',
    'deviceFlow',
    'authCodeFlow',
    'discovery',
  ]) {
    const probes = probeRuns<{ ms: number; loaded: string[] }>(PROBE_RUNS, 'feature', name);
    const kb = probes[0].loaded.reduce((sum, f) => sum + fs.statSync(path.join(ROOT, f)).size, 0) / 1024;
    const load = median(probes.map((p) => p.ms));
    (json.features as Record<string, unknown>)[name] = { kb, files: probes[0].loaded.length, firstLoadMs: load };
    rows.push([
      `first use: feature ${name} after activation (${kb.toFixed(0)} KB in ${probes[0].loaded.length} files)`,
      ms(load),
      '',
      '',
      '',
    ]);
  }

  // BENCH_LOADS_ONLY=1: activation and first loads only, a minute instead of the whole bench.
  if (process.env.BENCH_LOADS_ONLY) {
    print(rows);
    console.log(`\nload average ${json.loadAverage} at the start; medians of ${PROBE_RUNS} fresh processes each`);
    return;
  }

  json.config = [];
  for (const count of [200, 2000, 20000]) {
    const figure = await configAtScale(count, count >= 20000 ? 7 : 15);
    (json.config as unknown[]).push(figure);
    rows.push([
      `~/.aws/config + catalog, ${count.toLocaleString('en')} profiles (${figure.lines.toLocaleString('en')} lines)`,
      ms(figure.median),
      `first ${ms(figure.first)}`,
      '',
      count === 20000 ? '≤ 150 ms' : '',
    ]);
  }
  const heaps = probeRuns<{ heapMb: number; deltaMb: number }>(3, 'profiles', '20000');
  json.heapAfter20000Profiles = { heapMb: median(heaps.map((h) => h.heapMb)), deltaMb: median(heaps.map((h) => h.deltaMb)) };
  rows.push([
    'heap after activation + 20,000 profiles held',
    `${median(heaps.map((h) => h.heapMb)).toFixed(1)} MB`,
    `+${median(heaps.map((h) => h.deltaMb)).toFixed(1)} MB`,
    '',
    '',
  ]);

  const assume = await assumePath(cert, ASSUME_RUNS);
  json.assume = assume;
  for (const a of assume) {
    rows.push([`assume over TLS, ${a.case}: core vs bare client-sts`, ms(a.core), ms(a.bare), x(a.ratio), '≤ 1.10×']);
    rows.push([
      `  ${a.case}: STS round trips per assume; new connections in ${ASSUME_RUNS}`,
      `${a.roundTrips}; ${a.coreConnections}`,
      '',
      '',
      a.case === 'chained' ? '2' : '1',
    ]);
  }

  // The same chain where the SDK's own option lookups read a 7,000-profile config (AWS_CONFIG_FILE), the size in
  // granted#172: what a client new for each session would pay per switch.
  const big = writeLargeConfig(7000);
  const savedConfigFile = process.env.AWS_CONFIG_FILE;
  process.env.AWS_CONFIG_FILE = big.files.configPath;
  try {
    const [chained] = await assumePath(cert, RUNS, 'chained');
    json.assumeChainedLargeConfig = chained;
    rows.push([
      `assume over TLS, chained, SDK reading a 7,000-profile config`,
      ms(chained.core),
      ms(chained.bare),
      x(chained.ratio),
      '≤ 1.10×',
    ]);
  } finally {
    if (savedConfigFile === undefined) delete process.env.AWS_CONFIG_FILE;
    else process.env.AWS_CONFIG_FILE = savedConfigFile;
    big.dir.remove();
  }

  const lease = await leasePath(RUNS);
  json.lease = lease;
  rows.push(['lease (assumed_role): core vs bare node-vault read', ms(lease.core), ms(lease.bare), x(lease.ratio), '']);

  const agents = await agentBench(RUNS);
  json.agents = agents;
  rows.push([
    "agent credentials, first issue vs the person's AssumeRole",
    ms(agents.firstIssue.agent),
    ms(agents.firstIssue.person),
    x(agents.firstIssue.ratio),
    `${agents.assumeRolesPerIssue} AssumeRole`,
  ]);
  rows.push([
    "agent credentials, cached answer vs the person's (with the Linux ancestry lookup)",
    ms(agents.cached.agent),
    ms(agents.cached.person),
    x(agents.cached.ratio),
    '',
  ]);

  const ready = await waitForKeys(5);
  json.waitForKeys = ready;
  rows.push([`wait for iam_user keys: "ready" after IAM accepts them`, ms(ready.delayMs), `max ${ms(ready.maxDelayMs)}`, '', '≤ 1000 ms']);
  rows.push([`  GetCallerIdentity calls per wait (keys usable after ${ready.propagationMs} ms)`, String(ready.attempts), '', '', 'few']);

  const sso = await identityCenterBench({ discoveryRuns: 3, treeRuns: RUNS });
  json.identityCenter = {
    accounts: sso.accounts,
    roles: sso.roles,
    requests: sso.requests,
    discoveryMs: median(sso.discoveryMs),
    cacheBytes: sso.cacheBytes,
    treeFromCacheMs: median(sso.treeFromCacheMs),
  };
  rows.push([
    `Identity Center discovery, ${sso.accounts} accounts × ${sso.roles / sso.accounts} roles (${sso.requests} calls)`,
    ms(median(sso.discoveryMs)),
    '',
    '',
    '',
  ]);
  rows.push([
    `Identity Center tree from the cached names (${(sso.cacheBytes / 1024).toFixed(0)} KB)`,
    ms(median(sso.treeFromCacheMs)),
    '',
    '',
    '',
  ]);

  // 665 accounts × 3 against the portal's quota (20/s) enforced by the local Identity Center: time against the floor.
  const quota = await identityCenterQuotaBench({ accounts: 665, perSecond: 20 });
  json.identityCenterQuota = quota;
  rows.push([
    `Identity Center discovery under the quota (${quota.perSecond}/s), ${quota.accounts} accounts × 3 (${quota.calls} calls)` +
      (quota.error ? `: failed (${quota.error}) at ${quota.accountsDone}` : `: ${quota.overQuota} answered 429`),
    `${(quota.ms / 1000).toFixed(1)} s`,
    `floor ${(quota.floorMs / 1000).toFixed(1)} s`,
    x(quota.ms / quota.floorMs),
    '≈ 1× and no 429',
  ]);

  rows.push(...(await rolesUiRows(json)));

  const vsix = vsixSize();
  json.vsix = vsix;
  rows.push(['.vsix size', 'kb' in vsix ? `${vsix.kb.toFixed(0)} KB` : `not packed: ${vsix.error}`, '', '', '≤ 400 KB']);

  print(rows);
  const outDir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const text = JSON.stringify(json, null, 2);
  fs.writeFileSync(path.join(outDir, `bench-${(json.date as string).replace(/[:.]/g, '-')}.json`), text);
  fs.writeFileSync(path.join(outDir, 'latest.json'), text);
  console.log(
    `\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, node ${process.version}, load average ${json.loadAverage} at the start; medians of ${RUNS} runs (assume: ${ASSUME_RUNS}; loads: ${PROBE_RUNS} fresh processes; code-server rows: timed in the page, from the key or click to the first frame that shows the rows). JSON: bench-results/latest.json`,
  );
  if (sdkLoaded.length) process.exitCode = 1;
}

/** Switch Role and the AWS Roles view in code-server, or one row saying why they were not measured. */
async function rolesUiRows(json: Record<string, unknown>): Promise<Row[]> {
  const ui = await rolesUiBench();
  if ('error' in ui) {
    json.rolesUi = ui;
    return [['Switch Role and the AWS Roles view in code-server', `not measured: ${ui.error}`, '', '', '']];
  }
  const [pick, open, unfold] = [median(ui.pickMs), median(ui.viewOpenMs), median(ui.unfoldMs)];
  json.rolesUi = { ...ui, pickMedianMs: pick, viewOpenMedianMs: open, unfoldMedianMs: unfold };
  const roles = ui.roles.toLocaleString('en');
  return [
    [
      `Switch Role, ${roles} roles: Enter in the palette → role rows drawn (code-server)`,
      ms(pick),
      `first ${ms(ui.pickMs[0])} (reads config)`,
      '',
      '≤ 500 ms',
    ],
    ['  items in the quick pick; rows it drew', `${ui.pickItems}; ${ui.pickRowsDrawn}`, '', '', ''],
    [
      `AWS Roles view, ${roles} roles in ${ui.accounts} accounts: click on its icon → rows drawn (new window each)`,
      ms(open),
      `max ${ms(Math.max(...ui.viewOpenMs))}`,
      '',
      '≤ 500 ms',
    ],
    ['  rows fetched when the view opens; rows drawn', `${ui.treeRowsLoaded}; ${ui.treeRowsDrawn}`, '', '', 'accounts only (lazy)'],
    [`  click on an account of ${ui.rolesPerAccount} roles → its rows drawn (first unfold)`, ms(unfold), '', '', ''],
  ];
}

function print(rows: Row[]): void {
  const header: Row = ['figure', 'value', 'baseline', 'ratio', 'target'];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r: Row) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(DIST, 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `npm run build` (npm run bench does).');
  }
  const certDir = process.env.BENCH_TLS_DIR;
  if (certDir) {
    return run({ key: path.join(certDir, 'key.pem'), cert: path.join(certDir, 'cert.pem'), dir: certDir });
  }
  // Node reads NODE_EXTRA_CA_CERTS only at start-up: run the bench in a child that trusts this run's certificate.
  const cert = selfSignedCert();
  try {
    const child = spawnSync(process.execPath, ['--no-warnings', __filename], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert.cert, BENCH_TLS_DIR: cert.dir },
    });
    process.exitCode = child.status ?? 1;
  } finally {
    fs.rmSync(cert.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
