// Activates dist/extension.js as VS Code would, with a stub `vscode` module, to see what activation loads.
import Module from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(__dirname, '../../..');
/** The bundles measured: this checkout's, or another build's (BENCH_DIST, e.g. main's, to compare in one run). */
export const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist');

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
  'commands',
  'debug',
  'env',
  'window',
  'workspace',
  'extensions',
  'languages',
  'tasks',
  'l10n',
  'ConfigurationTarget',
  'Disposable',
  'EventEmitter',
  'ExtensionMode',
  'MarkdownString',
  'ProgressLocation',
  'StatusBarAlignment',
  'ThemeColor',
  'ThemeIcon',
  'TreeItem',
  'TreeItemCollapsibleState',
  'Uri',
  'ViewColumn',
  'Range',
  'Position',
  'SnippetString',
  'CompletionItem',
  'CompletionItemKind',
  'RelativePattern',
  'FileType',
];

const ownFiles = new Set(Object.keys(require.cache));

/**
 * What VS Code's extension host has loaded before any extension activates, and a fresh Node process has not: Node's
 * ES module loader (the host is itself ES modules) and the built-in modules it uses for its own sockets, processes
 * and proxy support. Loaded before the timing starts, so activation is measured as the extension's own cost.
 */
export async function warmLikeTheExtensionHost(): Promise<void> {
  await importEsm('data:text/javascript,export default 1');
  for (const name of ['node:http', 'node:https', 'node:net', 'node:crypto', 'node:child_process', 'node:os', 'node:fs/promises']) {
    require(name);
  }
}

/** A real import(): tsc turns `import()` into require() in CommonJS output, which cannot load an ES module. */
export const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** Requires dist/extension.js and calls activate(); the stub stays installed (the process is the probe's). */
export async function activate(): Promise<void> {
  const vscode = Object.fromEntries(VSCODE_NAMES.map((name) => [name, stub()]));
  const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleWithLoad._load;
  moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  const context = {
    subscriptions: [] as { dispose(): unknown }[],
    extensionMode: 1,
    globalState: { get: (_k: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [] },
    workspaceState: { get: (_k: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [] },
    secrets: stub(),
    environmentVariableCollection: stub(),
    extensionPath: ROOT,
    asAbsolutePath: (relative: string) => path.join(ROOT, relative),
    extension: { packageJSON: { version: '0.0.0' } },
    extensionUri: stub(),
    globalStorageUri: stub(),
    logUri: stub(),
  };
  const extension = require(path.join(DIST, 'extension.js')) as { activate(context: unknown): Promise<unknown> };
  await extension.activate(context);
}

/** Files loaded since this module was, relative to the bundles' folder's parent, the probe's own compiled files left out. */
export function loadedDistFiles(): string[] {
  // The AWS SDK's ES modules are not in require.cache: each adds its URL to this list (esbuild.mjs).
  const esModules = ((globalThis as { iamSwitchboardLoadedBundles?: string[] }).iamSwitchboardLoadedBundles ?? []).map((url) =>
    fileURLToPath(url),
  );
  return [...Object.keys(require.cache), ...esModules]
    .filter((file) => !ownFiles.has(file) && !file.startsWith(path.join(ROOT, 'out', 'test', 'bench')))
    .map((file) => path.relative(path.dirname(DIST), file));
}
