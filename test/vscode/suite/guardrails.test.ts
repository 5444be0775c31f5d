// The right account for this folder: with iamSwitchboard.wrongAccountLaunch on "refuse", a debug launch or a
// task started as a role outside the expected accounts does not run, and one in the expected account does; the
// workspace role command assumes the role the setting names.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

const config = () => vscode.workspace.getConfiguration('iamSwitchboard');
// User settings, not the workspace's: the e2e workspace's .vscode folder belongs to the UI scenarios.
const setUser = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Global);

async function debugNode(dir: string, name: string): Promise<{ started: boolean; ran: boolean }> {
  const script = path.join(dir, `${name}.js`);
  const out = path.join(dir, `${name}.out`);
  fs.writeFileSync(script, `require('node:fs').writeFileSync(${JSON.stringify(out)}, 'ran');`);
  const ended = new Promise<void>((resolve) => {
    const subscription = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.name === name && !s.parentSession) {
        subscription.dispose();
        resolve();
      }
    });
  });
  const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
    type: 'node',
    request: 'launch',
    name,
    program: script,
    console: 'internalConsole',
  });
  if (started) await ended;
  return { started, ran: fs.existsSync(out) };
}

suite('guardrails: expected accounts and the workspace role', () => {
  let dir: string;

  suiteSetup(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-guardrails-'));
    await setUser('expectedAccountIds', ['222222222222']);
    await setUser('wrongAccountLaunch', 'refuse');
  });
  suiteTeardown(async () => {
    await setUser('expectedAccountIds', undefined);
    await setUser('wrongAccountLaunch', undefined);
    await setUser('workspaceRole', undefined);
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a debug launch as a role in another account is refused, and one in the expected account runs', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-readonly');
    assert.deepEqual(await debugNode(dir, 'guarded-prod'), { started: false, ran: false });
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    assert.deepEqual(await debugNode(dir, 'guarded-dev'), { started: true, ran: true });
  });

  test('a task started as a role in another account is stopped', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-readonly');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    // It would run for ten minutes: it ends only because the guard terminates it.
    const task = new vscode.Task(
      { type: 'shell', guard: 'long' },
      folder,
      'guarded-long',
      'iam-switchboard-tests',
      new vscode.ShellExecution('sleep 600'),
    );
    const ended = new Promise<void>((resolve) => {
      const subscription = vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name === 'guarded-long') {
          subscription.dispose();
          resolve();
        }
      });
    });
    await vscode.tasks.executeTask(task);
    await ended;
    assert.equal(
      vscode.tasks.taskExecutions.some((e) => e.task.name === 'guarded-long'),
      false,
    );
  });

  test('Assume Workspace Role assumes the role iamSwitchboard.workspaceRole names', async () => {
    await setUser('workspaceRole', 'arn:aws:iam::222222222222:role/ReadOnly');
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeWorkspaceRole');
    assert.equal(arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
  });
});
