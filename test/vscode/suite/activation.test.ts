// The extension loads on demand only, stays cheap to activate, and registers every command it declares.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const extensionId = 'iamswitchboard.iam-switchboard';

function extension(): vscode.Extension<unknown> {
  const found = vscode.extensions.getExtension(extensionId);
  assert.ok(found, `${extensionId} is not loaded`);
  return found;
}

async function waitUntil(condition: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Files of the lazily loaded bundles in this extension host: dist/vaultSdk.js and dist/iniLoader.js in its module
// cache, and the ES modules (the AWS SDK's dist/aws/*.mjs, the extension's dist/extension/*.mjs; not in that cache)
// in the list each of them adds itself to.
function loadedBundles(name: RegExp): string[] {
  const esModules = (globalThis as { iamSwitchboardLoadedBundles?: string[] }).iamSwitchboardLoadedBundles ?? [];
  return [...Object.keys(require.cache), ...esModules].filter((file) => /[\\/]dist[\\/]/.test(file) && name.test(file));
}

function loadedSdkBundles(): string[] {
  return loadedBundles(/sdk\.js$|[\\/]aws[\\/].*\.mjs$/i);
}

/** The extension's features loaded on first use (features/lazy.ts), by module name: `vaultLoaded`, `terraform`, … */
function loadedFeatures(): string[] {
  // Their shared code is in chunk-<hash>.mjs files, which say nothing about which feature loaded.
  return loadedBundles(/[\\/]extension[\\/](?!chunk-)[a-zA-Z]+-\w+\.mjs$/).map((file) => path.basename(file).replace(/-\w+\.mjs$/, ''));
}

suite('activation', () => {
  test('the extension is installed and inactive until it is needed', () => {
    const ext = extension();
    assert.equal(ext.isActive, false);
    const events: string[] = ext.packageJSON.activationEvents ?? [];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `eager activation: ${events.join(', ')}`);
  });

  test('running one of its commands activates it without loading the AWS SDK or node-vault', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.showLog');
    await waitUntil(() => extension().isActive, 'the extension is active');
    assert.deepEqual(loadedSdkBundles(), []);
  });

  test('activation loads no feature that waits for its first use', () => {
    assert.ok(extension().isActive);
    assert.deepEqual(loadedFeatures(), []);
  });

  test("a feature's first command loads it and runs with its arguments", async () => {
    // Copy ARN is one of the role commands: its stand-in loads them, and the real one copies the role's ARN.
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('iamSwitchboard.copyArn', { role: { arn: 'arn:aws:iam::111111111111:role/lazy-test' } });
    assert.deepEqual(loadedFeatures(), ['roles']);
    assert.equal(await vscode.env.clipboard.readText(), 'arn:aws:iam::111111111111:role/lazy-test');
  });

  test('every command declared in package.json is registered', async () => {
    const declared: string[] = extension().packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      declared.filter((id) => !registered.has(id)),
      [],
    );
  });

  test('showing the AWS Roles view reads ~/.aws/config through the small ini loader bundle', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.iamSwitchboard');
    // The view's focus command exists only once the view is registered in the workbench.
    await vscode.commands.executeCommand('iamSwitchboard.roles.focus');
    await waitUntil(() => loadedBundles(/iniLoader\.js$/).length === 1, 'dist/iniLoader.js is loaded for the role tree');
  });

  test('assuming a role loads the STS part of the AWS SDK, not the Identity Center or IAM parts', async () => {
    const names = () => loadedSdkBundles().map((file) => path.basename(file));
    const before = names();
    assert.ok(!before.includes('stsSdk.mjs'), `the STS part is loaded before any role is assumed: ${before.join(', ')}`);
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    try {
      const added = names().filter((file) => !before.includes(file));
      assert.ok(added.includes('stsSdk.mjs'), `loaded by the switch: ${added.join(', ')}`);
      assert.deepEqual(
        added.filter((file) => /^(ssoSdk|iamSdk)\.mjs$/.test(file)),
        [],
      );
    } finally {
      await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    }
  });
});
