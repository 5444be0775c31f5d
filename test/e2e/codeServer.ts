// One code-server (a real VS Code with a Node extension host) in fresh temporary folders, for the end-to-end
// tests and the demo: today's VS Code, or the oldest one engines.vscode accepts (test/tools/runtimes.json), each
// on the Node it needs. Installed into .cache/ by test/tools/setup.mjs; see CONTRIBUTING.md.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');

/** Which VS Code: `today` is the newest code-server, `floor` the one embedding the oldest VS Code engines.vscode accepts. */
export type Runtime = 'today' | 'floor';

interface RuntimeVersions {
  codeServer: string;
  vscode: string;
  node: string;
  /**
   * What lets the page's payload run extension tests: VS Code 1.139 takes extensionDevelopmentPath and
   * extensionTestsPath from the URL only with the smoke-test driver on (a built product ignores them otherwise),
   * which code-server 4.139 passes through with --vscode-option; 1.103 takes them as they are. The driver also
   * stops notification toasts, so only the extension-host suite's code-server gets it.
   */
  testArgs: string[];
}

export function runtimeVersions(runtime: Runtime): RuntimeVersions {
  const all = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'tools', 'runtimes.json'), 'utf8')) as Record<
    Runtime,
    RuntimeVersions
  >;
  return all[runtime];
}

/** The Node binary and code-server entry point setup.mjs installed for `runtime` (same folder names). */
function installation(runtime: Runtime): { node: string; entry: string } {
  const { codeServer, node } = runtimeVersions(runtime);
  return {
    node: path.join(projectRoot, '.cache', `node-${node}`, 'bin', 'node'),
    entry: path.join(projectRoot, '.cache', `code-server-${codeServer}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

// Without these the workbench opens a welcome page, checks for updates, and draws terminals on a canvas
// that a test cannot read.
const baseSettings = {
  'terminal.integrated.gpuAcceleration': 'off',
  // VS Code 1.139 draws a second xterm (sticky scroll) over a scrolled terminal, so its text would show up twice.
  'terminal.integrated.stickyScroll.enabled': false,
  'workbench.startupEditor': 'none',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  // VS Code 1.139 opens the Chat view in a secondary side bar on the right, which narrows the editor and panel.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // The demo workspace lives inside this repository; don't offer to open it.
  'git.openRepositoryInParentFolders': 'never',
};

export interface CodeServerOptions {
  /** Folder the workbench opens. */
  workspace: string;
  /** User settings, written over the defaults above. */
  settings?: Record<string, unknown>;
  /** Environment for code-server and so for the extension host and its terminals (HOME, AWS_CONFIG_FILE…);
   *  `undefined` removes an inherited variable. */
  env?: Record<string, string | undefined>;
  /** Port on 127.0.0.1; a free one when left out. */
  port?: number;
  /** Leave workspace trust on (the recipe turns it off for tests that don't look at it). */
  workspaceTrust?: boolean;
  /** Called with the folders before code-server starts, e.g. to link an extension into `extensions`. */
  prepare?: (dirs: CodeServerDirs) => void;
  /** Today's VS Code (the default) or the floor. */
  runtime?: Runtime;
  /** Link the project into the extensions folder, installed as `npm run demo` has it (default true); the scenario
   *  that installs the .vsix says false. */
  linkExtension?: boolean;
  /** Let pages run extension tests from the URL's payload (the extension-host suite); no toasts are shown then. */
  extensionTests?: boolean;
  /** .vsix files installed with `code-server --install-extension` before it starts, as a person installs one. */
  installExtensions?: string[];
}

export interface CodeServerDirs {
  /** Temporary folder holding all the others. */
  root: string;
  userData: string;
  extensions: string;
}

export interface CodeServer {
  url: string;
  port: number;
  workspace: string;
  dirs: CodeServerDirs;
  /** What code-server printed so far (for failure reports). */
  output(): string;
  /** Stops code-server and every process it started (file watcher, extension hosts, terminals). */
  stop(): Promise<void>;
  /** Deletes the temporary folders; call after stop() and after anything that inspects them. */
  removeFiles(): void;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const runtime = options.runtime ?? 'today';
  const { node, entry } = installation(runtime);
  if (!fs.existsSync(node) || !fs.existsSync(entry)) {
    const { codeServer, node: nodeVersion } = runtimeVersions(runtime);
    throw new Error(`code-server ${codeServer} or Node ${nodeVersion} is not installed in .cache/: run \`npm run setup\` first.`);
  }
  const port = options.port ?? (await freePort());
  const dirs = makeDirs(options.settings ?? {});
  options.prepare?.(dirs);
  if (options.linkExtension !== false) linkProject(dirs);
  for (const vsix of options.installExtensions ?? []) installExtension(node, entry, dirs, vsix);
  const testArgs = options.extensionTests ? runtimeVersions(runtime).testArgs : [];
  const child = spawn(node, codeServerArgs(entry, options, port, dirs, testArgs), {
    // code-server takes an inherited PORT over --bind-addr's port (`PORT=18080 npm run demo` would listen there
    // while this polls the other): the port goes by --bind-addr only.
    env: definedOnly({ ...process.env, ...xdgEnv(dirs.root), ...options.env, PORT: undefined }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so one signal also stops the file watcher and extension hosts it starts.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    url,
    port,
    workspace: options.workspace,
    dirs,
    output: () => output,
    stop: () => stopGroup(child),
    removeFiles: () => fs.rmSync(dirs.root, { recursive: true, force: true }),
  };
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await server.stop();
    server.removeFiles();
    throw error;
  }
  return server;
}

/** The project as an installed extension (a link, as `npm run demo` has it), unless `prepare` already put it there. */
function linkProject(dirs: CodeServerDirs): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  const link = path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  if (!fs.existsSync(link)) fs.symlinkSync(projectRoot, link, 'dir');
}

function installExtension(node: string, entry: string, dirs: CodeServerDirs, vsix: string): void {
  const args = [entry, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix];
  const result = spawnSync(node, args, { env: { ...process.env, ...xdgEnv(dirs.root) }, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `code-server --install-extension ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function makeDirs(settings: Record<string, unknown>): CodeServerDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-code-server-'));
  const dirs = { root, userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions') };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(dirs.extensions, { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...baseSettings, ...settings }, null, 2));
  // code-server's window is remote: VS Code takes machine-scoped settings (the endpoints, Vault servers) from
  // the remote's Machine settings and drops them from User settings once it re-reads them. Write both.
  fs.mkdirSync(path.join(dirs.userData, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  return dirs;
}

// code-server writes ~/.config/code-server and ~/.local/share/code-server unless pointed elsewhere.
export function xdgEnv(root: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: path.join(root, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(root, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(root, 'xdg', 'cache'),
  };
}

function codeServerArgs(entry: string, options: CodeServerOptions, port: number, dirs: CodeServerDirs, extra: string[]): string[] {
  return [
    entry,
    '--config',
    path.join(dirs.root, 'config.yaml'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--extensions-dir',
    dirs.extensions,
    '--user-data-dir',
    dirs.userData,
    ...extra,
    options.workspace,
  ];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with code ${child.exitCode}:\n${output()}`);
    }
    const response = await fetch(`${url}/healthz`).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 30 s:\n${output()}`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  // The main process can exit before its children; make sure none is left behind.
  signalGroup(child.pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export interface WorkbenchUrlOptions {
  /** Folder to open; the server's workspace when left out. */
  folder?: string;
  /** Load this folder as the extension under development (no install needed). */
  extensionDevelopmentPath?: string;
  /** A compiled test index exporting run(): the workbench runs it in the extension host, then reports the exit code. */
  extensionTestsPath?: string;
}

// code-server has no command-line flags for these; the page URL's `payload` carries them, and the
// vscode-remote authority must be the host:port the browser uses.
export function workbenchUrl(server: CodeServer, options: WorkbenchUrlOptions = {}): string {
  const authority = `127.0.0.1:${server.port}`;
  const payload: [string, string][] = [];
  if (options.extensionDevelopmentPath) {
    payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${options.extensionDevelopmentPath}`]);
  }
  if (options.extensionTestsPath) {
    payload.push(['extensionTestsPath', `vscode-remote://${authority}${options.extensionTestsPath}`]);
  }
  const query = new URLSearchParams({ folder: options.folder ?? server.workspace });
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  return `${server.url}/?${query.toString()}`;
}
