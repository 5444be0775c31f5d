// Issue 18, hole 1, as one fixed sequence over the real stores and endpoint: dev is active, Open Terminal as Role
// pins a terminal to it, its credentials come up for refresh while STS is slow, and the window switches to prod
// meanwhile. The pinned terminal must still be dev (account and role), asked through the shipped credential
// helper as the AWS CLI runs it, and the log must name what was refreshed truthfully.
import './fakeVscode';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROLE_ENDED_MESSAGE } from '../../../src/core/endpoint/server';
import { fake } from './fakeVscode';
import { clock, principalText, type Window, World } from './world';

const HELPER = path.resolve(__dirname, '../../../src/credentialHelper.js');

describe('a pinned terminal keeps its own role (issue 18, hole 1)', () => {
  let world: World;
  const windows: Window[] = [];
  before(async () => {
    world = await World.start();
  });
  after(async () => {
    await Promise.all(windows.map((w) => w.dispose()));
    await world.close();
  });

  /** Resolves when the request is held at STS; fails (instead of hanging) when it was answered without a refresh. */
  async function heldAtSts(hold: { arrived: Promise<void> }, asking: Promise<unknown>): Promise<void> {
    const first = await Promise.race([hold.arrived.then(() => 'held'), asking.then(() => 'answered')]);
    assert.equal(first, 'held', 'the request refreshed at STS');
  }

  async function pinnedToActive(window: Window): Promise<string> {
    const before = fake.terminals.length;
    await world.command(window, 'iamSwitchboard.openTerminalAsRole');
    assert.equal(fake.terminals.length, before + 1, 'a terminal opened');
    return fake.terminals.at(-1)!.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!;
  }

  it('refreshes as dev when the window switches to prod during its refresh', async () => {
    clock.offsetMs = 0;
    const window = await world.openWindow(0);
    windows.push(window);
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    const token = await pinnedToActive(window);
    assert.equal(principalText((await world.ask(window.url, token)).principal), '222222222222/ReadOnly');

    clock.offsetMs += 50 * 60_000; // ten minutes left: the next request refreshes
    const hold = world.servers.aws.holdNext();
    const logged = fake.said.length;
    const asking = world.fetch(window.url, token);
    await heldAtSts(hold, asking); // the pinned terminal's refresh is at STS
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('prod-auditor') });
    assert.equal(window.session.identity?.accountId, '333333333333', 'the window switched to prod');
    hold.release();

    const answer = await world.identify(await asking);
    assert.equal(principalText(answer.principal), '222222222222/ReadOnly', 'the held answer is dev');
    const later = await world.ask(window.url, token);
    assert.equal(principalText(later.principal), '222222222222/ReadOnly', 'and it stays dev');
    const following = await world.ask(window.url, window.followingToken);
    assert.equal(principalText(following.principal), '333333333333/Auditor', 'the window follows prod');

    // The shipped helper, as the AWS CLI runs it for the generated profile, gets dev's keys too.
    const { stdout } = await promisify(execFile)(process.execPath, [HELPER], {
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: window.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: token },
    });
    const printed = JSON.parse(stdout) as { AccessKeyId: string };
    assert.notEqual(printed.AccessKeyId, window.session.identity!.credentials.accessKeyId, "not prod's keys");

    const log = fake.said.slice(logged).join('\n');
    assert.match(log, /Credential endpoint: refreshed dev-readonly/);
    assert.doesNotMatch(log, /refreshed prod-auditor/);
  });

  it("a following terminal's refresh that a switch overtakes resolves to the role it refreshed, not to the new one", async () => {
    clock.offsetMs = 0;
    const window = await world.openWindow(2);
    windows.push(window);
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    assert.equal(principalText((await world.ask(window.url, window.followingToken)).principal), '222222222222/ReadOnly');
    clock.offsetMs += 50 * 60_000; // ten minutes left: the next request refreshes
    const hold = world.servers.aws.holdNext();
    const logged = fake.said.length;
    const asking = world.fetch(window.url, window.followingToken);
    await heldAtSts(hold, asking); // the role store's refresh of dev is at STS
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('prod-auditor') });
    hold.release();
    // Asked before the switch: dev's fresh keys, and the endpoint counts it as dev's refresh, not a failure.
    assert.equal(principalText((await world.identify(await asking)).principal), '222222222222/ReadOnly');
    const log = fake.said.slice(logged).join('\n');
    assert.match(log, /Credential endpoint: refreshed dev-readonly/);
    assert.doesNotMatch(log, /IdentityChanged/);
    assert.equal(principalText((await world.ask(window.url, window.followingToken)).principal), '333333333333/Auditor');
  });

  it('keeps refreshing as dev after the window refreshed dev for its own terminals and then switched', async () => {
    clock.offsetMs = 0;
    const window = await world.openWindow(3);
    windows.push(window);
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    const token = await pinnedToActive(window);
    await world.ask(window.url, token);
    await world.ask(window.url, window.followingToken);
    clock.offsetMs += 50 * 60_000;
    // The window's own terminals refresh dev first; then the person switches to prod.
    assert.equal(principalText((await world.ask(window.url, window.followingToken)).principal), '222222222222/ReadOnly');
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('prod-auditor') });
    assert.equal(principalText((await world.ask(window.url, token)).principal), '222222222222/ReadOnly');
    clock.offsetMs += 60 * 60_000 - 5000; // dev's refreshed keys end in 5 s: the pinned terminal must refresh alone
    assert.equal(principalText((await world.ask(window.url, token)).principal), '222222222222/ReadOnly');
  });

  it('ends the terminal of a revoked Vault lease with the documented sentence, through the helper', async () => {
    clock.offsetMs = 0;
    const window = await world.openWindow(1);
    windows.push(window);
    const { identity } = await world.lease(window, 's3-full', 'iam_user');
    const before = fake.terminals.length;
    await world.command(window, 'iamSwitchboard.openTerminalAsRole', { identity });
    assert.equal(fake.terminals.length, before + 1);
    const token = fake.terminals.at(-1)!.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!;
    assert.ok((await world.ask(window.url, token)).principal, 'the lease works before the revoke');

    await world.revoke(window, identity.origin.kind === 'vault' ? identity.origin.leaseId : '');

    const answer = await world.ask(window.url, token);
    assert.equal(answer.principal, undefined, "not the deleted user's keys");
    assert.equal(answer.message, ROLE_ENDED_MESSAGE);
    const helper = await promisify(execFile)(process.execPath, [HELPER], {
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: window.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: token },
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((helper as { code?: number }).code, 1);
    assert.equal((helper as { stderr: string }).stderr, `${ROLE_ENDED_MESSAGE}\n`);
  });
});
