// Installs what `npm test` and `npm run demo` need on a Debian machine, and does nothing when it is all there:
// Debian packages, the project's npm dependencies, and code-server (a real VS Code with a Node extension host,
// kept in the git-ignored .cache/ the way @vscode/test-electron keeps its download in .vscode-test/).
// Plain Node with no npm dependencies, because it runs before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE_SERVER_VERSION = '4.100.3';
const codeServerDir = path.join(root, '.cache', 'code-server');
const codeServerPackage = path.join(codeServerDir, 'node_modules', 'code-server');
const installedMarker = path.join(codeServerDir, 'installed.json');

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

function installedMarkerContent() {
  try {
    return JSON.parse(fs.readFileSync(installedMarker, 'utf8'));
  } catch {
    return undefined;
  }
}

function codeServerInstalled() {
  const marker = installedMarkerContent();
  return marker?.version === CODE_SERVER_VERSION && marker.verified !== false;
}

// Installed, but its start check failed last time (it is written before the check): check again, don't reinstall.
function codeServerInstalledUnchecked() {
  const marker = installedMarkerContent();
  return marker?.version === CODE_SERVER_VERSION && marker.verified === false && fs.existsSync(codeServerPackage);
}

// @vscode/ripgrep's postinstall downloads rg from GitHub and aborts the whole install without a network.
// It first looks in $TMPDIR/vscode-ripgrep-cache-<version>/; a tarball of Debian's rg there satisfies it.
function seedRipgrepCache(tmpDir) {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (!target) return;
  const cache = path.join(tmpDir, 'vscode-ripgrep-cache-1.15.11');
  fs.mkdirSync(cache, { recursive: true });
  run('tar', ['-czf', path.join(cache, `ripgrep-v13.0.0-10-${target}.tar.gz`), '-C', '/usr/bin', 'rg']);
}

// node-gyp compiles against the installed node headers instead of downloading them.
function nodeHeadersDir() {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

async function installCodeServer() {
  if (codeServerInstalled()) return `code-server ${CODE_SERVER_VERSION} present`;
  if (codeServerInstalledUnchecked()) {
    await verifyStarts();
    fs.writeFileSync(installedMarker, JSON.stringify({ version: CODE_SERVER_VERSION }));
    return `code-server ${CODE_SERVER_VERSION} present, and it starts`;
  }
  // Install beside the final folder and rename at the end, so an interrupted install leaves nothing behind.
  const staging = `${codeServerDir}.partial-${process.pid}`;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-setup-'));
  try {
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
    seedRipgrepCache(tmpDir);
    const headers = nodeHeadersDir();
    const env = {
      ...process.env,
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
      ...(headers ? { npm_config_nodedir: headers } : {}),
    };
    log(`installing code-server ${CODE_SERVER_VERSION} into .cache/code-server (about 1.5 minutes, 300 MB)`);
    const output = await runQuietly('npm', ['install', '--foreground-scripts', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: staging,
      env,
    });
    verifyNativeModules(path.join(staging, 'node_modules', 'code-server'), output);
    fs.rmSync(codeServerDir, { recursive: true, force: true });
    fs.renameSync(staging, codeServerDir);
    fs.writeFileSync(installedMarker, JSON.stringify({ version: CODE_SERVER_VERSION, verified: false }));
    await verifyStarts();
    fs.writeFileSync(installedMarker, JSON.stringify({ version: CODE_SERVER_VERSION }));
    return `installed code-server ${CODE_SERVER_VERSION}`;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
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
function verifyNativeModules(packageDir, output) {
  const checks = [
    [path.join(packageDir, 'package.json'), ['argon2']],
    [
      path.join(packageDir, 'lib', 'vscode', 'package.json'),
      ['node-pty', 'kerberos', '@vscode/spdlog', '@parcel/watcher', 'native-watchdog'],
    ],
  ];
  const script = `const { createRequire } = require('node:module');
    for (const [from, modules] of ${JSON.stringify(checks)}) for (const m of modules) createRequire(from)(m);`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(output.slice(-20000));
    throw new Error(`code-server's native modules did not build: ${result.stderr.trim().split('\n').slice(0, 6).join('\n')}`);
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

/** Starts the installed code-server once and waits for /healthz: the install is only done when it answers. */
export async function verifyStarts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-verify-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { ...codeServerEnv(), XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir };
  const child = spawn(
    process.execPath,
    [
      path.join(codeServerPackage, 'out', 'node', 'entry.js'),
      '--config',
      path.join(dir, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      path.join(dir, 'user-data'),
      '--extensions-dir',
      path.join(dir, 'extensions'),
    ],
    { env, stdio: 'ignore', detached: true },
  );
  try {
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (response?.ok) return;
    }
    throw new Error('code-server was installed but did not answer /healthz within 30 s');
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const started = Date.now();
  try {
    await step('Debian packages', installDebianPackages);
    await step('npm dependencies', installNpmDependencies);
    await step('code-server', installCodeServer);
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
