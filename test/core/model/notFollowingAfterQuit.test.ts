// The terminals open when the endpoint takes over a window that used it before: after Reload Window, VS Code
// reconnected them and they hold the token the endpoint took again, so they follow. After a Quit (or a moved
// port) the token is new and the terminals VS Code revived hold the dead one: they must be named and offered a
// relaunch, as terminals opened before the take-over are.
import './fakeVscode';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { NotFollowingTerminals } from '../../../src/terminals/notFollowing';
import { fake, type FakeTerminal } from './fakeVscode';

/** A terminal of the earlier window's workspace: its shell's pid, created by VS Code (no env of ours). */
function revived(name: string, pid: number): FakeTerminal {
  return { name, env: {}, processId: Promise.resolve(pid), creationOptions: {} } as FakeTerminal;
}

function usedBefore() {
  // The workspace used the endpoint before this window: its port is kept.
  const state = new Map<string, unknown>([['iamSwitchboard.endpointPort', 41234]]);
  return { workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) } };
}

describe('terminals open at the take-over, in a workspace that used the endpoint before', () => {
  beforeEach(() => {
    fake.terminals = [revived('bash', 4242)];
  });

  it('after a Quit (the token not taken again) are named and offered a relaunch', async () => {
    const said = fake.said.length;
    const terminals = new NotFollowingTerminals(usedBefore() as never);
    await terminals.takeOver(false);
    assert.deepEqual(terminals.names(), ['bash']);
    assert.match(fake.said.slice(said).join('\n'), /'bash' was opened before IAM Switchboard took over .* Relaunch it/);
    terminals.dispose();
  });

  it('after a reload (the token taken again) follow', async () => {
    const terminals = new NotFollowingTerminals(usedBefore() as never);
    await terminals.takeOver(true);
    assert.deepEqual(terminals.names(), []);
    terminals.dispose();
  });
});
