// The extension (dist/extension.js, which imports its ES modules in dist/extension/: what activation needs, and each
// feature loaded on first use, see src/features/lazy.ts), and lazy bundles each loaded only on first use: the AWS SDK in `dist/aws/` (STS and the credential
// providers in `stsSdk.mjs`, IAM Identity Center in `ssoSdk.mjs`, the IAM client for role discovery in
// `iamSdk.mjs`, the EKS client for kubeconfigs in `eksSdk.mjs`: `import('./stsSdk')`, … in src/core/<domain>/), node-vault in `vaultSdk.js`, so activation parses no SDK,
// switching roles never parses node-vault or the Identity Center and IAM clients, and Vault never parses the AWS SDK
// unless it waits for new keys; the small ini loader in `iniLoader.js`, so listing roles doesn't load the SDK
// either; and the kubeconfig writer with its YAML parser in `kubeconfig.js`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { writeThirdPartyNotices } from './build/thirdPartyNotices.mjs';

// A one-off build starts from an empty dist/, so a bundle that no longer exists is not packaged into the .vsix.
if (!process.argv.includes('--watch')) {
  fs.rmSync('dist', { recursive: true, force: true });
}

// `../x` too: modules in src/core/<feature>/ load the same bundles. The extension's own modules are in
// dist/extension/, one folder below the SDK bundles.
const LAZY = /^\.\.?\/(?:[^/]+\/)*(stsSdk|ssoSdk|iamSdk|eksSdk|vaultSdk|iniLoader|kubeconfig)$/;
const AWS_PARTS = new Set(['stsSdk', 'ssoSdk', 'iamSdk', 'eksSdk']);

const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    build.onResolve({ filter: LAZY }, (args) => {
      const name = LAZY.exec(args.path)[1];
      return { path: AWS_PARTS.has(name) ? `../aws/${name}.mjs` : `../${name}.js`, external: true };
    });
  },
};

// VS Code hands the `vscode` module to require() only (it intercepts Node's CommonJS loader): the extension's ES
// modules get it through the `require` their banner makes (below).
const vscodeByRequire = {
  name: 'vscode-by-require',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.kind === 'require-call' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-by-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-by-require' }, () => ({
      contents: "module.exports = require('vscode');",
      loader: 'js',
    }));
  },
};

// dist/extension.js (src/main.ts) is what VS Code require()s: it only imports the extension's ES modules.
const extensionModules = {
  name: 'extension-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/extension$/ }, () => ({ path: './extension/extension.mjs', external: true }));
  },
};

// A feature the extension import()s on first use is built as if it also imported src/extension.ts (a wrapper module
// that imports it, then re-exports the feature). esbuild puts code two entry points share in a chunk per set of
// entry points that reach it: without this, the code activation needs would be split into a chunk per feature
// that also uses part of it (14 files, each a module Node resolves, reads and links at activation); with it, every
// feature reaches all of it, so it is one chunk, loaded once. At run time the wrapper's import of the extension is
// the module already loaded: nothing runs twice, and there is still one copy of every module.
const ACTIVATION = path.resolve('src/extension.ts');
const featuresShareActivation = {
  name: 'features-share-activation',
  setup(build) {
    build.onResolve({ filter: /^\./ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.namespace !== 'file' || LAZY.test(args.path)) return undefined;
      const resolved = await build.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir });
      if (resolved.errors.length) return { errors: resolved.errors };
      return { path: resolved.path, namespace: 'lazy-feature' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-feature' }, (args) => ({
      contents: `import ${JSON.stringify(ACTIVATION)}; export * from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

// Every ES module of ours: a `require` for CommonJS (vscode, the SDK's CommonJS dependencies), and a note of its
// loading in a global the activation test and the bench read (an ES module is not in require.cache).
const esmBanner = {
  js: [
    "import { createRequire as iamSwitchboardRequire } from 'node:module';",
    'const require = iamSwitchboardRequire(import.meta.url);',
    '(globalThis.iamSwitchboardLoadedBundles ??= []).push(import.meta.url);',
  ].join(' '),
};

// The SDK's browser user-agent code imports bowser (35 KB) to parse navigator.userAgent; under Node it never runs.
const noBowser = {
  name: 'no-bowser',
  setup(build) {
    build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', namespace: 'no-bowser' }));
    build.onLoad({ filter: /.*/, namespace: 'no-bowser' }, () => ({ contents: 'export const parse = () => ({});', loader: 'js' }));
  },
};

// node-vault sends every request through the `request-promise` hook we give it (src/core/vault/http.ts: a deadline
// for the whole answer, cancellation, a size cap); its axios fallback never runs, so axios (83 KB) is not bundled.
const noAxios = {
  name: 'no-axios',
  setup(build) {
    build.onResolve({ filter: /^axios$/ }, () => ({ path: 'axios', namespace: 'no-axios' }));
    build.onLoad({ filter: /.*/, namespace: 'no-axios' }, () => ({
      contents: "exports.create = () => { throw new Error('node-vault must be given a request-promise transport'); };",
      loader: 'js',
    }));
  },
};

// The agent tools' MCP server gives the SDK's Server a validator of its own (it never asks a client for input, the
// one thing ajv checks there), so the SDK's ajv provider (ajv, ajv-formats, fast-uri: 130 KB) is left out.
const noAjv = {
  name: 'no-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, () => ({ path: 'ajv-provider', namespace: 'no-ajv' }));
    build.onLoad({ filter: /.*/, namespace: 'no-ajv' }, () => ({
      contents:
        "export class AjvJsonSchemaValidator { constructor() { throw new Error('the agent tools pass their own jsonSchemaValidator'); } }",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
  external: ['vscode'],
  metafile: true,
};

// The SDK bundles prefer each package's ES module build: esbuild can drop what is unused there (a third of the STS
// bundle), not in the CommonJS build.
const sdkBundle = { ...common, mainFields: ['module', 'main'] };

// The three AWS SDK parts share most of their code (@smithy/core, @aws-sdk/core): built together as ES modules, the
// shared code goes into chunks of its own, so the .vsix carries it once and the role switcher loads only what STS
// needs. The SDK's CommonJS dependencies get a `require`; every file notes its loading in a global the activation
// test and the bench read (an ES module is not in require.cache).
const awsSdk = {
  ...sdkBundle,
  entryPoints: {
    stsSdk: 'src/core/sts/stsSdk.ts',
    ssoSdk: 'src/core/identityCenter/ssoSdk.ts',
    iamSdk: 'src/core/discovery/iamSdk.ts',
    eksSdk: 'src/core/eks/eksSdk.ts',
  },
  outdir: 'dist/aws',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [noBowser],
  banner: esmBanner,
};

// The extension as ES modules split by esbuild: src/extension.ts (activation) and, in chunks of their own, the
// features it import()s on first use (src/features/lazy.ts). Code two of them share is in one chunk both import,
// so there is one UserError, one Session, one of every class, and `instanceof` holds across features.
const extension = {
  ...common,
  entryPoints: { extension: 'src/extension.ts' },
  outdir: 'dist/extension',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  plugins: [lazySdk, featuresShareActivation, vscodeByRequire],
  banner: esmBanner,
};

const contexts = [
  await esbuild.context({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/extension.js', plugins: [extensionModules] }),
  await esbuild.context(extension),
  await esbuild.context(awsSdk),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/vault/vaultSdk.ts'], outfile: 'dist/vaultSdk.js', plugins: [noAxios] }),
  await esbuild.context({ ...common, entryPoints: ['src/core/aws/iniLoader.ts'], outfile: 'dist/iniLoader.js' }),
  // The kubeconfig writer and its YAML parser, loaded only when a person writes a kubeconfig.
  await esbuild.context({ ...common, entryPoints: ['src/core/eks/kubeconfig.ts'], outfile: 'dist/kubeconfig.js' }),
  // The credential_process program terminals run: a separate tiny script, no SDK.
  await esbuild.context({ ...common, entryPoints: ['src/credentialHelper.ts'], outfile: 'dist/credentialHelper.js' }),
  // The agent tools' MCP server, a process VS Code starts (features/agents.ts): the MCP SDK's server, no AWS SDK.
  await esbuild.context({ ...common, entryPoints: ['src/agentMcpServer.ts'], outfile: 'dist/agentMcpServer.js', plugins: [noAjv] }),
];
if (process.argv.includes('--watch')) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  writeThirdPartyNotices(
    results.map((r) => r.metafile),
    'dist/THIRD_PARTY_NOTICES.md',
  );
}
