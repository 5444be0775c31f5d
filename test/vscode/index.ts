// The extension-host test entry: VS Code (desktop through @vscode/test-electron, or code-server through the
// page's extensionTestsPath) loads this file inside the extension host and awaits run().
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Printed after the run so the runner can count results from the streamed log. */
export const RESULT_MARKER = 'iam-switchboard-suite-result:';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.IAM_SWITCHBOARD_SUITE_GREP;
  if (grep) mocha.grep(grep);
  for (const file of suiteFiles(path.join(__dirname, 'suite'))) mocha.addFile(file);
  // Skipped (pending) tests are named, so the runner can print them: mocha's this.skip() takes no reason.
  const skipped: { name: string; reason: string }[] = [];
  const { passed, failed } = await new Promise<{ passed: number; failed: number }>((resolve) => {
    const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0 }));
    runner.on('pending', (test) => skipped.push({ name: test.fullTitle(), reason: 'skipped by the suite (this.skip)' }));
  });
  console.log(`${RESULT_MARKER} ${JSON.stringify({ passed, failed, skipped })}`);
  if (failed > 0) throw new Error(`${failed} extension-host test(s) failed`);
}

// activation.test.js goes first: it checks the extension is inactive before anything has touched it.
function suiteFiles(dir: string): string[] {
  const files = listFiles(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  const first = files.filter((f) => path.basename(f) === 'activation.test.js');
  return [...first, ...files.filter((f) => !first.includes(f))];
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}
