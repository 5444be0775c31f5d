// A pinned terminal's token is taken again after Reload Window only for the same process. After a Quit, VS Code
// has written the token to disk with the terminal's environment; if another process later holds the same pid, the
// token must stay dead: the start time `ps` gives for that pid is then another one.
import './fakeVscode';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { PinnedTerminalMemory } from '../../../src/terminals/pinnedTerminalMemory';

const role = { key: 'profile:dev', label: 'dev' } as RoleEntry;
const TOKEN = 'p'.repeat(43);

function fakeContext() {
  const state = new Map<string, unknown>();
  const secrets = new Map<string, string>();
  return {
    state,
    secrets,
    context: {
      storageUri: { toString: () => 'file:///workspace-storage' },
      workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) },
      secrets: {
        get: async (k: string) => secrets.get(k),
        store: async (k: string, v: string) => void secrets.set(k, v),
        delete: async (k: string) => void secrets.delete(k),
      },
    },
  };
}

describe('a pinned terminal remembered for a reload', { skip: process.platform === 'win32' }, () => {
  // The terminal's process: a real one, so `ps` reads its start time.
  let shell: ChildProcess;
  before(async () => {
    shell = spawn('sleep', ['600'], { stdio: 'ignore' });
    await once(shell, 'spawn');
  });
  after(() => shell.kill());

  it('gets its token back while the same process runs', async () => {
    const { context } = fakeContext();
    const memory = new PinnedTerminalMemory(context as never);
    await memory.remember(shell.pid!, TOKEN, role, 'dev');
    const restored = await memory.restore(async (key) => (key === role.key ? role : undefined));
    assert.deepEqual(
      restored.map((r) => [r.pid, r.token]),
      [[shell.pid, TOKEN]],
    );
  });

  it('does not when its pid now belongs to another process (another start time), and forgets the token', async () => {
    const { context, state, secrets } = fakeContext();
    const memory = new PinnedTerminalMemory(context as never);
    await memory.remember(shell.pid!, TOKEN, role, 'dev');
    // What the record says when the pid is reused: the remembered process started at another time.
    const records = state.get('iamSwitchboard.pinnedTerminals') as Array<{ started?: string }>;
    assert.equal(typeof records[0].started, 'string');
    state.set('iamSwitchboard.pinnedTerminals', [{ ...records[0], started: 'Mon Jan  1 00:00:00 2024' }]);
    const restored = await memory.restore(async () => role);
    assert.deepEqual(restored, []);
    assert.equal(secrets.size, 0);
    assert.deepEqual(state.get('iamSwitchboard.pinnedTerminals'), []);
  });
});
