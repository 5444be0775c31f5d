// What Reload Window may bring back, and what Clear Credentials takes away: the MFA session kept in SecretStorage
// for the reload goes at Clear, so no later window reuses it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readSettings } from '../../../src/configuration/settings';
import { TypedState, type WorkspaceState } from '../../../src/configuration/state';
import { MFA_SESSIONS_SECRET, type SecretBox } from '../../../src/core/sts/mfaSessionMemory';
import { Session } from '../../../src/core/session';
import { RecentRoles } from '../../../src/store/recentRoles';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { RoleSessionStore } from '../../../src/store/roleSession';
import { MemoryMemento } from './helpers';

suite('role memory across reloads', () => {
  test('Clear Credentials forgets the MFA session kept for Reload Window', async () => {
    const log = vscode.window.createOutputChannel('IAM Switchboard role memory tests', { log: true });
    const catalog = new RoleCatalogStore(readSettings, log);
    const secrets = new Map<string, string>([[MFA_SESSIONS_SECRET, '{"kept":"by an earlier assume"}']]);
    let markDeleted: () => void = () => undefined;
    const deleted = new Promise<void>((resolve) => (markDeleted = resolve));
    const box: SecretBox = {
      get: async (key) => secrets.get(key),
      store: async (key, value) => void secrets.set(key, value),
      delete: async (key) => {
        secrets.delete(key);
        markDeleted();
      },
    };
    const context = { globalState: new MemoryMemento() } as unknown as vscode.ExtensionContext;
    const state = new TypedState<WorkspaceState>(new MemoryMemento());
    const roles = new RoleSessionStore({
      session: new Session(),
      catalog,
      settings: readSettings,
      log,
      recent: new RecentRoles(context),
      memory: { state, secrets: box },
    });
    try {
      roles.clear();
      await deleted;
      assert.equal(secrets.has(MFA_SESSIONS_SECRET), false);
    } finally {
      roles.dispose();
      catalog.dispose();
      log.dispose();
    }
  });
});
