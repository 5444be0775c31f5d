// What every extension-host suite needs: the extension's session (exposed in test mode only) and the URLs of
// the local servers the e2e runner started, passed in the IAM_SWITCHBOARD_E2E environment variable.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Session } from '../../../src/core/session';

export const extensionId = 'iamswitchboard.iam-switchboard';

export interface Shared {
  awsUrl: string;
  vaultUrl: string;
  vaultRootToken: string;
}

export const shared = (): Shared => JSON.parse(process.env.IAM_SWITCHBOARD_E2E ?? '{}') as Shared;

export async function session(): Promise<Session> {
  const ext = vscode.extensions.getExtension<{ session: Session }>(extensionId);
  assert.ok(ext, `${extensionId} is not loaded`);
  const api = await ext.activate();
  assert.ok(api?.session, 'the extension exposes its session in test mode');
  return api.session;
}
