// What activating the built extension loads (dist/, so after `npm run build`): the CommonJS file VS Code requires,
// the ES module it imports, and the one chunk with all the code activation needs; no SDK, no feature that waits
// for its first use. Activated with the bench's stub `vscode` in a process of its own (its probe), since
// activation starts work in the background (the endpoint, timers) that would outlive the test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const PROBE = path.resolve(__dirname, '../bench/probe.js');

test('activation loads three files of its own: dist/extension.js, extension.mjs and one chunk, nothing else', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', PROBE, 'activation']);
  const { loaded } = JSON.parse(stdout.trim().split('\n').pop()!) as { loaded: string[] };
  // The stub's settings are all set, so the background work activation starts (the workspace role check reading
  // ~/.aws/config through dist/iniLoader.js) may or may not have loaded that file by the time activate() returns,
  // as the machine's load decides; a window with default settings does not start it. It is not activation's own.
  const names = loaded
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file !== 'dist/iniLoader.js')
    .sort();
  assert.equal(names.length, 3, names.join(', '));
  assert.equal(names[0], 'dist/extension.js');
  // esbuild splits what activation needs by which lazy features also use each part unless every feature is built
  // as importing the extension too (esbuild.mjs): then it is one chunk.
  assert.match(names[1], /^dist\/extension\/chunk-\w+\.mjs$/);
  assert.equal(names[2], 'dist/extension/extension.mjs');
});
