// Three bundles: the extension; the AWS SDK + node-vault in `sdk.js`, loaded only on first use
// (`import('./sdk')` in src/core), so activation parses none of the SDK; and the small ini loader in
// `iniLoader.js`, so listing roles from ~/.aws/config doesn't load the SDK either.
import * as esbuild from 'esbuild';

const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    // `../sdk` too: modules in src/core/<feature>/ load the same bundle.
    build.onResolve({ filter: /^\.\.?\/(sdk|sdkIam|iniLoader)$/ }, (args) => ({ path: `./${args.path.split('/').pop()}.js`, external: true }));
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

const contexts = [
  await esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazySdk] }),
  await esbuild.context({ ...common, entryPoints: ['src/core/sdk.ts'], outfile: 'dist/sdk.js' }),
  await esbuild.context({ ...common, entryPoints: ['src/core/iniLoader.ts'], outfile: 'dist/iniLoader.js' }),
  // The credential_process program terminals run: a separate tiny script, no SDK.
  await esbuild.context({ ...common, entryPoints: ['src/credentialHelper.ts'], outfile: 'dist/credentialHelper.js' }),
  // The IAM client only Discover Roles needs (src/core/roleDiscovery.ts).
  await esbuild.context({ ...common, entryPoints: ['src/core/sdkIam.ts'], outfile: 'dist/sdkIam.js' }),
];
if (process.argv.includes('--watch')) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
