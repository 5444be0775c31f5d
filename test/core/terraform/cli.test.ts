import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTerraform, terraformOutputJson } from '../../../src/core/terraform/cli';
import { roleArnsFromOutputs, roleArnsFromState } from '../../../src/core/terraform/roleArns';
import { UserError } from '../../../src/core/userError';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'terraform');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A stand-in `terraform` that runs the given shell script, for the failures a real one cannot be made to show. */
function fakeTerraform(dir: string, script: string): string {
  const file = path.join(dir, 'terraform');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

const isUserError = (code: string, message?: RegExp) => (error: unknown) =>
  error instanceof UserError && error.code === code && (!message || message.test(error.message));

test('terraform is found on PATH only as an executable file', async (t) => {
  const dir = tempDir(t);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(path.join(bin, 'terraform'), { recursive: true }); // a directory named terraform does not count
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'terraform'), 'not executable', { mode: 0o644 });
  assert.equal(await findTerraform({ PATH: [bin, other].join(path.delimiter) }, 'linux'), undefined);
  const real = fakeTerraform(other, 'exit 0');
  assert.equal(await findTerraform({ PATH: ['', bin, other].join(path.delimiter) }, 'linux'), real);
  assert.equal(await findTerraform({}, 'linux'), undefined);
});

test('real terraform output -json over the state fixture gives the same role ARNs as reading its outputs', async (t) => {
  const terraform = await findTerraform();
  if (!terraform) {
    t.skip('terraform is not on PATH');
    return;
  }
  const dir = tempDir(t);
  fs.copyFileSync(path.join(FIXTURES, 'terraform.tfstate'), path.join(dir, 'terraform.tfstate'));
  const started = performance.now();
  const stdout = await terraformOutputJson(terraform, dir, { timeoutMs: 30_000 });
  t.diagnostic(`terraform output -json took ${Math.round(performance.now() - started)} ms`);
  const fromCli = roleArnsFromOutputs(stdout);
  assert.deepEqual(fromCli, roleArnsFromOutputs(fs.readFileSync(path.join(FIXTURES, 'output.json'), 'utf8')));
  const fromState = roleArnsFromState(fs.readFileSync(path.join(FIXTURES, 'terraform.tfstate'), 'utf8'));
  for (const arn of fromCli.roleArns) {
    assert.ok(fromState.roleArns.includes(arn), arn);
  }
});

test('a failing terraform becomes its exit code, its Error heading and what to run for the full output', async (t) => {
  const dir = tempDir(t);
  const terraform = fakeTerraform(
    dir,
    `printf '\\n╷\\n│ Error: Backend initialization required, please run "terraform init"\\n│\\n╵\\n' >&2; exit 1`,
  );
  await assert.rejects(
    terraformOutputJson(terraform, dir, { timeoutMs: 10_000 }),
    isUserError(
      'TerraformFailed',
      /^'terraform output -json' failed \(exit code 1\): Backend initialization required, please run "terraform init"\. Run 'terraform output -json' in a terminal in .+ to see its full output\.$/,
    ),
  );
});

test('a value terraform quotes on stderr reaches neither the message nor the logged detail', async (t) => {
  const dir = tempDir(t);
  const secret = 'hunter2-db-PASSWORD';
  // A diagnostic quoting a tfvars line, and one whose heading itself carries a value.
  for (const stderr of [
    `\\n╷\\n│ Error: Invalid value for input variable\\n│\\n│   on terraform.tfvars line 3:\\n│    3: db_password = "${secret}"\\n╵\\n`,
    `\\n╷\\n│ Error: error configuring S3 Backend: bad secret key ${secret}\\n╵\\n`,
    `${secret}\\n`,
  ]) {
    const terraform = fakeTerraform(dir, `printf '${stderr}' >&2; exit 1`);
    const error = await terraformOutputJson(terraform, dir, { timeoutMs: 10_000 }).then(
      () => assert.fail('terraform failed, so must the import'),
      (e: unknown) => e as UserError,
    );
    assert.equal(error.code, 'TerraformFailed');
    // What showError logs: the message and the detail.
    assert.doesNotMatch(`${error.message} ${error.detail ?? ''}`, new RegExp(secret));
    assert.match(error.message, /^'terraform output -json' failed \(exit code 1\)(: Invalid value for input variable)?\. Run /);
  }
});

test('a terraform that hangs is stopped at the timeout', async (t) => {
  const dir = tempDir(t);
  const terraform = fakeTerraform(dir, 'exec sleep 30');
  const started = Date.now();
  await assert.rejects(
    terraformOutputJson(terraform, dir, { timeoutMs: 300 }),
    isUserError('TerraformTimedOut', /did not finish within 1 seconds: run it in a terminal/),
  );
  assert.ok(Date.now() - started < 5000);
});

test('cancelling stops terraform', async (t) => {
  const dir = tempDir(t);
  const terraform = fakeTerraform(dir, 'exec sleep 30');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(terraformOutputJson(terraform, dir, { timeoutMs: 20_000, signal: controller.signal }), isUserError('Cancelled'));
});

test('terraform runs with prompts disabled, in the chosen folder', async (t) => {
  const dir = tempDir(t);
  const terraform = fakeTerraform(
    dir,
    `printf '{"cwd":{"value":"%s","sensitive":false,"type":"string"},"input":{"value":"%s","sensitive":false,"type":"string"},"args":{"value":"%s","sensitive":false,"type":"string"}}' "$(pwd)" "$TF_INPUT" "$*"`,
  );
  const outputs = JSON.parse(await terraformOutputJson(terraform, dir, { timeoutMs: 10_000 })) as Record<string, { value: string }>;
  assert.equal(outputs.cwd.value, fs.realpathSync(dir));
  assert.equal(outputs.input.value, '0');
  assert.equal(outputs.args.value, 'output -no-color -json');
});
