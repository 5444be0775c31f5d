// `PORT=18080 npm run demo`: code-server takes PORT over --bind-addr's port, so every code-server the project
// starts (setup's start check, the tests' and the demo's) must listen on the port it was given, whatever PORT says.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { freePort, projectRoot, startCodeServer } from '../../e2e/codeServer';

const runtimes = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'tools', 'runtimes.json'), 'utf8'));
const installed = fs.existsSync(
  path.join(projectRoot, '.cache', `code-server-${runtimes.today.codeServer}`, 'node_modules', 'code-server'),
);
const skip = installed ? false : 'code-server is not installed (npm run setup)';

test("setup's start check passes with PORT set to another port", { skip, timeout: 60_000 }, async () => {
  const otherPort = await freePort();
  const setup = path.join(projectRoot, 'test', 'tools', 'setup.mjs');
  const script = `import { runtimeDirs, verifyStarts } from ${JSON.stringify(setup)}; const r = runtimeDirs(); await verifyStarts(r.nodeHome, r.dir);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PORT: String(otherPort) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
});

test('a code-server started for the tests or the demo listens on its own port with PORT set', { skip, timeout: 60_000 }, async () => {
  const [port, otherPort] = [await freePort(), await freePort()];
  const saved = process.env.PORT;
  process.env.PORT = String(otherPort);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-port-test-'));
  try {
    const server = await startCodeServer({ workspace, port });
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(response.ok, true);
    } finally {
      await server.stop();
      server.removeFiles();
    }
  } finally {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
