// The right account for this folder: with iamSwitchboard.wrongAccountLaunch on "refuse", a debug launch or a
// task started as a role outside the expected accounts does not run, and one in the expected account does; the
// workspace role command assumes the role the setting names.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../../../src/configuration/settings';
import { productionMark } from '../../../src/core/catalog/guardrails';

const config = () => vscode.workspace.getConfiguration('iamSwitchboard');
// User settings, not the workspace's: the e2e workspace's .vscode folder belongs to the UI scenarios.
const setUser = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Global);

async function debugNode(dir: string, name: string, extra: Record<string, unknown> = {}): Promise<{ started: boolean; ran: boolean }> {
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
    ...extra,
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

  test('a launch claiming to be a child session (__parentId in launch.json) is guarded like any other', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-readonly');
    assert.deepEqual(await debugNode(dir, 'forged-child', { __parentId: 'x' }), { started: false, ran: false });
    assert.deepEqual(await debugNode(dir, 'forged-target', { __pendingTargetId: 'x' }), { started: false, ran: false });
  });
});

suite('guardrails: a workspace may tighten, never loosen', () => {
  const setWorkspace = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Workspace);
  const keys = ['accounts', 'sessionDurationSeconds', 'roleSessionName'];
  suiteTeardown(async () => {
    for (const key of keys) {
      await setUser(key, undefined);
      await setWorkspace(key, undefined).then(undefined, () => undefined);
    }
  });

  test("a workspace's production: false does not unmark an account the person's settings mark production", async () => {
    await setUser('accounts', [{ id: '333333333333', production: true, roles: ['ReadOnly'] }]);
    await setWorkspace('accounts', [{ id: '333333333333', production: false, roles: ['ReadOnly'] }]);
    const settings = readSettings();
    const mark = productionMark(
      { accountId: '333333333333', label: '333333333333/ReadOnly' },
      settings.accounts,
      settings.guardrails.productionPatterns,
      settings.guardrails.userProductionIds,
    );
    assert.equal(mark.production, true);
  });

  test('a workspace cannot lengthen sessions or say who acted in CloudTrail', async () => {
    await setWorkspace('sessionDurationSeconds', 43200);
    // VS Code refuses to write a machine-scoped setting to a workspace; had it been written, it must still not count.
    await setWorkspace('roleSessionName', 'deploy-bot').then(undefined, () => undefined);
    const settings = readSettings();
    assert.equal(settings.sessionDurationSeconds, 3600);
    assert.equal(settings.roleSessionName, undefined);
    await setWorkspace('sessionDurationSeconds', 900);
    assert.equal(readSettings().sessionDurationSeconds, 900, 'a workspace may shorten them');
  });
});
