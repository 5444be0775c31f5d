// The extension, and lazy bundles each loaded only on first use: the STS client and credential providers in
// `stsSdk.js`, node-vault in `vaultSdk.js`, IAM Identity Center in `ssoSdk.js`, the IAM client for role discovery
// in `sdkIam.js` (`import('./stsSdk')`, … in src/core), so
// activation parses no SDK, switching roles never parses node-vault and Vault never parses STS's client unless it
// waits for new keys; and the small ini loader in `iniLoader.js`, so listing roles doesn't load the SDK either.
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

// A one-off build starts from an empty dist/, so a bundle that no longer exists is not packaged into the .vsix.
if (!process.argv.includes('--watch')) {
  fs.rmSync('dist', { recursive: true, force: true });
}

const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    // `../x` too: modules in src/core/<feature>/ load the same bundles.
    build.onResolve({ filter: /^\.\.?\/(stsSdk|vaultSdk|ssoSdk|sdkIam|iniLoader)$/ }, (args) => ({
      path: `./${args.path.split('/').pop()}.js`,
      external: true,
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
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/stsSdk.ts'], outfile: 'dist/stsSdk.js' }),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/vaultSdk.ts'], outfile: 'dist/vaultSdk.js' }),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/ssoSdk.ts'], outfile: 'dist/ssoSdk.js' }),
  await esbuild.context({ ...sdkBundle, entryPoints: ['src/core/sdkIam.ts'], outfile: 'dist/sdkIam.js' }),
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
