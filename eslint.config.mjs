// ESLint for a VS Code extension in TypeScript: typescript-eslint's recommended rules, Prettier for layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const vscodeBan = {
  name: 'vscode',
  message: 'src/core is plain Node: the vscode API stays at the edge (commands/, store/, terminals/, treeViews/).',
};
const coreMessage = 'src/core never imports the edge: move what it needs into src/core, or pass it in.';

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', '.cache/', 'test-results/', '.vscode-test/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always'],
      'no-throw-literal': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `import x = require('y')` is TypeScript's own form for CommonJS packages (node-vault).
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // A variable that closures read before its one assignment (a server's state built after its handlers).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  // The layers, as rules: the core is plain Node and never reaches the edge; stores never reach commands or views;
  // the lazily loaded bundles import only packages and plain values, since anything with identity (a class such as
  // UserError) would exist twice, once in the extension bundle and once in theirs, and `instanceof` would fail.
  {
    files: ['src/core/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [vscodeBan], patterns: [{ regex: '^\\.\\./', message: coreMessage }] }] },
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [vscodeBan], patterns: [{ regex: '^\\.\\./\\.\\./', message: coreMessage }] }] },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(commands|treeViews)/', message: 'store/ holds state: commands and views depend on it, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/core/sts/stsSdk.ts',
      'src/core/sts/transport.ts',
      'src/core/identityCenter/ssoSdk.ts',
      'src/core/discovery/iamSdk.ts',
      'src/core/vault/vaultSdk.ts',
      'src/core/aws/iniLoader.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [vscodeBan],
          patterns: [
            {
              regex: '^\\.(?!/(transport|limits|iniLines)$)',
              message:
                'A lazily loaded bundle imports packages and plain values (./limits, ./transport, ./iniLines) only: a module of ours with a class in it would exist twice.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests load built bundles and untyped JSON (parsed HCL) by path.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        fetch: 'readonly',
      },
    },
  },
);
