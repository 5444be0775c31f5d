// Two bundles: the extension, and the AWS SDK + node-vault in `sdk.js`, which the extension loads only on
// first use (`import('./sdk')` in src/core), so activation parses none of the SDK.
import * as esbuild from 'esbuild';

const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    build.onResolve({ filter: /^\.\/sdk$/ }, () => ({ path: './sdk.js', external: true }));
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
];
if (process.argv.includes('--watch')) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
