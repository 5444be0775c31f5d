// A window that opens with Vault leases saved by an earlier one loads Vault at once to follow them. If that fails,
// the person is told in one sentence and the log says why: no unhandled rejection.
import './fakeVscode';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as vscode from 'vscode';
import { activateVault } from '../../../src/features/vault';
import { fake, fakeLog } from './fakeVscode';

describe('a window with saved Vault leases whose Vault fails to load', () => {
  it('says so in one sentence and logs why', async () => {
    const window = vscode.window as unknown as Record<string, unknown>;
    const showError = window.showErrorMessage;
    window.createTreeView = () => ({ dispose: () => undefined });
    const warned = new Promise<string>((resolve) => (window.showErrorMessage = async (text: string) => void resolve(text)));
    const state = new Map<string, unknown>([['iamSwitchboard.vault.leases', [{ leaseId: 'aws/creds/dev/abc' }]]]);
    const context = { subscriptions: [], workspaceState: { get: (k: string) => state.get(k), update: async () => undefined } };
    const deps = {
      log: fakeLog('vault'),
      // The feature breaks as it starts.
      get session(): never {
        throw new Error('the session is broken');
      },
    };
    try {
      activateVault(context as never, deps as never);
      assert.equal(
        await warned,
        'This IAM Switchboard feature failed to start, so its commands cannot run: reload the window (details are in the log).',
      );
      assert.ok(
        fake.said.some(
          (line) => line.startsWith('vault error Loading Vault to follow saved leases') && line.includes('the session is broken'),
        ),
      );
    } finally {
      window.showErrorMessage = showError;
    }
  });
});
