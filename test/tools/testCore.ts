// `npm run test:core`, `test:core:floor` and `test:core:today`: the core tests (out/test/core) under node --test, on
// the Node running this script, or on the extension-host Node of the oldest supported VS Code (`--node-floor`) or of
// today's (`--node-today`), both from .cache/ (installed by setup.mjs). `npm test` runs the last two.
// Files whose first line is ONCE_MARKER drive programs that do not run on Node (the AWS CLI, boto3, Terraform): their
// result does not depend on the Node running the test, so the floor's run leaves them to today's.
// node --test's own summary counts skips but does not name them: this prints each with its reason, and in CI
// (CI=true) counts them as failures, since there a skip means a tool is missing from the machine.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot, runtimeVersions } from '../e2e/codeServer';
import { judgeSkips, readTap, summaryLine } from './testReport';

async function main(): Promise<number> {
  const runtime = process.argv.includes('--node-today') ? 'today' : process.argv.includes('--node-floor') ? 'floor' : undefined;
  const node = runtime ? installedNode(runtime) : process.execPath;
  const version = await nodeVersion(node);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-core-'));
  try {
    const tap = path.join(dir, 'core.tap');
    const files = coreTestFiles(runtime !== 'floor');
    const left = coreTestFiles(true).length - files.length;
    console.log(
      `core: node --test out/test/core/ on Node ${version}${left ? ` (${left} files that drive the AWS CLI, boto3 or Terraform run on today's Node)` : ''}`,
    );
    const code = await run(node, [
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ]);
    const counts = readTap(fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '');
    if (code !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself failed
    const judged = judgeSkips(counts, (line) => console.log(`core: ${line}`));
    console.log(`core (Node ${version}): ${summaryLine(judged)}`);
    return judged.failed > 0 || judged.passed === 0 ? 1 : 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ONCE_MARKER = "// Core tests: once, on today's Node.";

function installedNode(runtime: 'today' | 'floor'): string {
  const node = path.join(projectRoot, '.cache', `node-${runtimeVersions(runtime).node}`, 'bin', 'node');
  if (!fs.existsSync(node)) throw new Error(`${node} is not installed: run \`npm run setup\` first.`);
  return node;
}

// The files themselves: Node 20 takes a folder, Node 22+ takes glob patterns and would not walk one.
function coreTestFiles(withOnceFiles: boolean): string[] {
  const dir = path.join(projectRoot, 'out', 'test', 'core');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f))
    .filter((file) => withOnceFiles || !runsOnce(file));
}

/** Whether the compiled test's TypeScript source begins with ONCE_MARKER. */
function runsOnce(compiled: string): boolean {
  const source = path.join(projectRoot, path.relative(path.join(projectRoot, 'out'), compiled)).replace(/\.js$/, '.ts');
  return fs.readFileSync(source, 'utf8').startsWith(ONCE_MARKER);
}

function nodeVersion(node: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim().replace(/^v/, '')));
  });
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: projectRoot });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`core: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
