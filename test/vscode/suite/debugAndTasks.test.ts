// Processes VS Code starts for the person run as the active role: a debug launch (F5) through the registered
// debug configuration provider, and a task. Each runs the real AWS CLI and writes only the ARN it reports.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { session, shared } from './helpers';

const { awsUrl } = shared();

// The debuggee: asks the AWS CLI who it is with the environment it was given, and records that (an ARN and a
// region, never a key) in the file named by its first argument.
const probeSource = `
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const [out, endpoint] = process.argv.slice(2);
let arn, error;
try {
  arn = execFileSync('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', endpoint, '--query', 'Arn', '--output', 'text'], { stdio: 'pipe' }).toString().trim();
} catch (e) {
  error = String(e.stderr);
}
fs.writeFileSync(out, JSON.stringify({ arn, error, region: process.env.AWS_REGION }));
`;

interface ProbeResult {
  arn?: string;
  /** What the AWS CLI printed when it failed. */
  error?: string;
  region?: string;
}

function readResult(file: string): ProbeResult {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ProbeResult;
}

/** Starts a node debug session of the probe and resolves with its configuration as resolved, once it ended. */
async function debugProbe(
  dir: string,
  name: string,
  env: Record<string, string> = {},
): Promise<{ result: ProbeResult; configuration: vscode.DebugConfiguration }> {
  const script = path.join(dir, 'probe.js');
  const out = path.join(dir, `${name}.json`);
  fs.writeFileSync(script, probeSource);
  let configuration: vscode.DebugConfiguration | undefined;
  const started = vscode.debug.onDidStartDebugSession((s) => {
    if (s.name === name && !s.parentSession) configuration = s.configuration;
  });
  const ended = new Promise<void>((resolve) => {
    const subscription = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.name === name && !s.parentSession) {
        subscription.dispose();
        resolve();
      }
    });
  });
  try {
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'node',
      request: 'launch',
      name,
      program: script,
      args: [out, awsUrl],
      env,
      console: 'internalConsole',
    });
    assert.ok(ok, 'the debug session started');
    await ended;
  } finally {
    started.dispose();
  }
  assert.ok(configuration, 'saw the debug session start');
  return { result: readResult(out), configuration };
}

/** Runs a shell task that writes the AWS CLI's ARN to a file, and returns that ARN. */
async function taskProbe(dir: string, name: string): Promise<string> {
  const out = path.join(dir, `${name}.txt`);
  const command = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text > '${out}'`;
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  const task = new vscode.Task({ type: 'shell', probe: name }, folder, name, 'iam-switchboard-tests', new vscode.ShellExecution(command));
  const ended = new Promise<number | undefined>((resolve) => {
    const subscription = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.name === name) {
        subscription.dispose();
        resolve(e.exitCode);
      }
    });
  });
  await vscode.tasks.executeTask(task);
  assert.equal(await ended, 0, `task ${name} failed`);
  return fs.readFileSync(out, 'utf8').trim();
}

// A long-running process: asks STS who it is every second through the JS SDK's default chain (the generated
// profile, so the window's endpoint) and records, per call, a digest of the access key it used (never the key) and
// the ARN, until `until` passes.
const pollerSource = `
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const fs = require('node:fs');
const crypto = require('node:crypto');
const [out, endpoint, seconds] = process.argv.slice(2);
const client = new STSClient({ endpoint, region: 'eu-west-1' });
const until = Date.now() + Number(seconds) * 1000;
const tick = async () => {
  try {
    const { accessKeyId } = await client.config.credentials();
    const { Arn } = await client.send(new GetCallerIdentityCommand({}));
    fs.appendFileSync(out, 'ok ' + crypto.createHash('sha256').update(accessKeyId).digest('hex').slice(0, 12) + ' ' + Arn + '\\n');
  } catch (e) {
    fs.appendFileSync(out, 'fail ' + e.name + '\\n');
  }
  if (Date.now() < until) setTimeout(tick, 1000);
};
tick();
`;

/** Keys and failures a poller recorded. */
function pollerSaw(file: string): { keys: Set<string>; failures: string[]; arns: Set<string> } {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
  const ok = lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(' '));
  return { keys: new Set(ok.map((l) => l[1])), arns: new Set(ok.map((l) => l[2])), failures: lines.filter((l) => l.startsWith('fail')) };
}

/** The local STS's clock, set back so the sessions it issues now end `seconds` from now. */
async function shortSessions(seconds: number): Promise<() => Promise<void>> {
  const move = async (ms: number) =>
    assert.equal((await fetch(`${awsUrl}/__test/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: ms }) })).status, 200);
  await move(-(3600 - seconds) * 1000);
  return () => move((3600 - seconds) * 1000);
}

async function waitForTwoKeys(file: string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const seen = pollerSaw(file);
    if (seen.keys.size >= 2) {
      assert.deepEqual(seen.failures, [], `${what}: no call failed across the refresh`);
      assert.deepEqual([...seen.arns], ['arn:aws:sts::222222222222:assumed-role/ReadOnly/alice'], `${what}: every call was the role`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.fail(
    `${what} saw ${pollerSaw(file).keys.size} access key(s) in 60 s: no refresh reached it (${pollerSaw(file).failures.join(', ')})`,
  );
}

suite('role switcher: long-running processes across a refresh', () => {
  let dir: string;
  const nodeModules = path.resolve(__dirname, '../../../../node_modules');

  suiteSetup(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-poll-'));
    fs.writeFileSync(path.join(dir, 'poll.js'), pollerSource);
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a task started under one session keeps working under the next, with the new access key', async () => {
    const restore = await shortSessions(40);
    try {
      await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
      const out = path.join(dir, 'task.log');
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const command = `NODE_PATH='${nodeModules}' node '${path.join(dir, 'poll.js')}' '${out}' ${awsUrl} 55`;
      const task = new vscode.Task(
        { type: 'shell', probe: 'poll' },
        folder,
        'poll',
        'iam-switchboard-tests',
        new vscode.ShellExecution(command),
      );
      await vscode.tasks.executeTask(task);
      await waitForTwoKeys(out, 'the task');
    } finally {
      await restore();
    }
  });

  test('a debug launch started under one session keeps working under the next, with the new access key', async () => {
    const restore = await shortSessions(40);
    try {
      await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
      const out = path.join(dir, 'debug.log');
      const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
        type: 'node',
        request: 'launch',
        name: 'poll',
        program: path.join(dir, 'poll.js'),
        args: [out, awsUrl, '55'],
        env: { NODE_PATH: nodeModules },
        console: 'internalConsole',
      });
      assert.ok(ok, 'the debug session started');
      await waitForTwoKeys(out, 'the debug launch');
      await vscode.debug.stopDebugging();
    } finally {
      await restore();
    }
  });
});

suite('role switcher: debug launches and tasks', () => {
  let dir: string;

  suiteSetup(function () {
    // A remote window (code-server) honours machine-scoped settings from the remote's Machine/settings.json only.
    // Read from the browser's user settings they hold just until the first re-read of the settings, which the
    // first debug launch causes; the endpoints would then fall back to AWS's, for these and all later suites.
    // inspect() reports the remote's value at run time, though its type leaves it out.
    const endpoint = vscode.workspace.getConfiguration('iamSwitchboard').inspect<string>('stsEndpoint') as
      { globalRemoteValue?: string } | undefined;
    assert.ok(
      !vscode.env.remoteName || endpoint?.globalRemoteValue,
      'the harness must write the endpoints to <user-data>/Machine/settings.json',
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-debug-'));
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a debug launch runs as the active role, and its own env entries win', async () => {
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeRole', 'dev-readonly');
    assert.equal(arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    const { result, configuration } = await debugProbe(dir, 'probe-as-role', { AWS_REGION: 'ap-southeast-2' });
    assert.equal(result.arn, arn);
    assert.equal(result.region, 'ap-southeast-2');
    // The launch holds a token of its own for the window's endpoint, never a key.
    const env = configuration.env as Record<string, string> | undefined;
    assert.equal(env?.AWS_ACCESS_KEY_ID, '');
    assert.equal(env?.AWS_SECRET_ACCESS_KEY, '');
    assert.equal(env?.AWS_PROFILE, 'iam-switchboard');
    assert.match(env?.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? '', /^[\w-]{20,}$/);
    // Its token ends with the launch: asking with it afterwards is refused.
    const refused = await fetch(env!.AWS_CONTAINER_CREDENTIALS_FULL_URI, {
      headers: { Authorization: env!.AWS_CONTAINER_AUTHORIZATION_TOKEN },
    });
    assert.equal(refused.status, 403);
    assert.ok((await session()).identity, 'the role is still active');
  });

  test('with no role active, a debug launch is told so by the endpoint, not given the default profile', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    const { result, configuration } = await debugProbe(dir, 'probe-no-role');
    assert.equal(result.arn, undefined);
    assert.match(result.error ?? '', /No AWS role is active in VS Code: pick one in IAM Switchboard/);
    assert.equal((configuration.env as Record<string, string> | undefined)?.AWS_ACCESS_KEY_ID, '');
  });

  test('a task started while a role is active runs as that role', async () => {
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeRole', 'prod-readonly');
    assert.equal(arn, 'arn:aws:sts::333333333333:assumed-role/ReadOnly/alice');
    assert.equal(await taskProbe(dir, 'task-as-role'), arn);
  });
});
