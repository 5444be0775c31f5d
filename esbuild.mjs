// The extension, and lazy bundles each loaded only on first use: the AWS SDK in `awsSdk.js` (STS and the credential
// providers, IAM Identity Center, the IAM client for role discovery: `import('./stsSdk')`, `import('./ssoSdk')`,
// `import('./sdkIam')` in src/core each load their part of it), node-vault in `vaultSdk.js`, so activation parses
// no SDK, switching roles never parses node-vault and Vault never parses the AWS SDK unless it waits for new keys;
// and the small ini loader in `iniLoader.js`, so listing roles doesn't load the SDK either.
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

// A one-off build starts from an empty dist/, so a bundle that no longer exists is not packaged into the .vsix.
if (!process.argv.includes('--watch')) {
  fs.rmSync('dist', { recursive: true, force: true });
}

// `../x` too: modules in src/core/<feature>/ load the same bundles.
const LAZY = /^\.\.?\/(?:[^/]+\/)*(stsSdk|ssoSdk|sdkIam|vaultSdk|iniLoader)$/;
const AWS_PARTS = { stsSdk: 'sts', ssoSdk: 'sso', sdkIam: 'iam' };

const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    build.onResolve({ filter: LAZY }, (args) => {
      const name = LAZY.exec(args.path)[1];
      return AWS_PARTS[name] ? { path: name, namespace: 'aws-sdk-part' } : { path: `./${name}.js`, external: true };
    });
    // A part of the AWS SDK bundle: required (and so parsed) only when the code's `import()` runs.
    build.onLoad({ filter: /.*/, namespace: 'aws-sdk-part' }, (args) => ({
      contents: `module.exports = require('./awsSdk.js').${AWS_PARTS[args.path]};`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/awsSdk\.js$/, namespace: 'aws-sdk-part' }, (args) => ({ path: args.path, external: true }));
  },
};

// node-vault reaches mime-types (and its 130 KB mime-db) only through form-data's file uploads, which it never makes.
const noMimeTypes = {
  name: 'no-mime-types',
  setup(build) {
    build.onResolve({ filter: /^mime-types$/ }, () => ({ path: 'mime-types', namespace: 'no-mime-types' }));
    build.onLoad({ filter: /.*/, namespace: 'no-mime-types' }, () => ({
      contents: 'exports.lookup = () => false; exports.contentType = () => false; exports.extension = () => false;',
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
};

// The SDK bundles prefer each package's ES module build: esbuild can drop what is unused there (a third of the STS
// bundle), not in the CommonJS build.
const sdkBundle = { ...common, mainFields: ['module', 'main'] };

const contexts = [
  await esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazySdk] }),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/awsSdk.ts'], outfile: 'dist/awsSdk.js' }),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/vaultSdk.ts'], outfile: 'dist/vaultSdk.js', plugins: [noMimeTypes] }),
  await esbuild.context({ ...common, entryPoints: ['src/core/iniLoader.ts'], outfile: 'dist/iniLoader.js' }),
  // The credential_process program terminals run: a separate tiny script, no SDK.
  await esbuild.context({ ...common, entryPoints: ['src/credentialHelper.ts'], outfile: 'dist/credentialHelper.js' }),
];
if (process.argv.includes('--watch')) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
