// The window's following token lives on across Reload Window only, as one fixed sequence over the real endpoint
// host: desktop VS Code writes every used terminal's environment, this token in it, to the workspace's state on
// disk at Quit (persistent sessions), so after a restart that copy must be dead, while after a reload the terminals
// VS Code reconnects (the same processes) keep following. What the window keeps for it holds no token.
import './fakeVscode';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNKNOWN_TOKEN_MESSAGE } from '../../../src/core/endpoint/server';
import { clock, principalText, type Window, World } from './world';

describe("the window's following token after a reload and after a quit", () => {
  let world: World;
  let window: Window;
  before(async () => {
    world = await World.start();
    clock.offsetMs = 0;
  });
  after(async () => {
    await window?.dispose();
    await world.close();
  });

  async function followsDev(token: string): Promise<void> {
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    const answer = await world.ask(window.url, token);
    assert.equal(principalText(answer.principal), '222222222222/ReadOnly', `${answer.code}: ${answer.message}`);
  }

  it('is taken again while its terminal runs (reload), refused once it ended (quit), and new terminals follow', async () => {
    window = await world.openWindow(0);
    const first = window.followingToken;
    await followsDev(first);

    window = await world.reload(window);
    assert.equal(window.followingToken, first, 'the reconnected terminal follows after a reload');
    await followsDev(first);

    window = await world.restart(window);
    const revived = await world.ask(window.url, first);
    assert.equal(revived.status, 403);
    assert.equal(revived.message, UNKNOWN_TOKEN_MESSAGE);
    assert.notEqual(window.followingToken, first);
    await followsDev(window.followingToken);

    const state = JSON.stringify([...window.kept.state]);
    assert.ok(state.includes('iamSwitchboard.followingTerminals'), 'the following terminals are remembered');
    assert.ok(!state.includes(first) && !state.includes(window.followingToken), 'no token in workspace state');
  });
});
