// A terminal opened with a Vault static role's keys, over the real static store, endpoint and local Vault: when
// Vault rotates the role (at its one-minute tick after the rotation time) the terminal gets the new keys, and
// keeps working after the rotation that deletes the keys it was opened with; when the keys cannot be read
// again at the rotation time, it hears one sentence instead of keys Vault may have replaced. Time moves on the
// one clock the product and the local servers share (world.ts), and the local Vault's sweep is run at once.
import './fakeVscode';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../src/core/session';
import { MIN_ROTATION_PERIOD_MS, readStaticCredentials, staticUnreadMessage } from '../../../src/core/vault/staticRoles';
import { fake } from './fakeVscode';
import { clock, principalText, type Window, World } from './world';

describe('a terminal opened with static credentials follows Vault’s rotation', () => {
  let world: World;
  const windows: Window[] = [];
  before(async () => {
    world = await World.start();
  });
  after(async () => {
    await Promise.all(windows.map((w) => w.dispose()));
    await world.close();
  });

  /** Open Terminal with Static Credentials for ci-deployer: its keys and the terminal's token. */
  async function staticTerminal(index: number): Promise<{ window: Window; identity: Identity; token: string }> {
    const window = await world.openWindow(index);
    windows.push(window);
    const identity = await window.statics.read(world.settings().vault.servers[0], 'aws', 'ci-deployer');
    const before = fake.terminals.length;
    await world.command(window, 'iamSwitchboard.openTerminalAsRole', { identity });
    assert.equal(fake.terminals.length, before + 1, 'a terminal opened');
    return { window, identity, token: fake.terminals.at(-1)!.env.AWS_CONTAINER_AUTHORIZATION_TOKEN! };
  }

  /** Moves every clock past `at` and Vault's next tick, and lets the local Vault rotate what is due. */
  async function passRotation(at: Date): Promise<void> {
    clock.offsetMs += at.getTime() - Date.now() + MIN_ROTATION_PERIOD_MS + 1_000;
    await world.servers.vault.advanceClock(0);
  }

  async function keysInVault(window: Window): Promise<string> {
    const client = await window.vault.client(world.settings().vault.servers[0]);
    return (await readStaticCredentials(client, 'aws', 'ci-deployer')).credentials.accessKeyId;
  }

  it('serves the new keys once Vault rotates, and still works after the rotation that deletes the first ones', async () => {
    clock.offsetMs = 0;
    const { window, identity, token } = await staticTerminal(10);
    const rotatesAt = identity.origin.kind === 'vaultStatic' ? identity.origin.rotatesAt! : new Date(0);
    const first = await world.fetch(window.url, token);
    assert.equal(first.body.AccessKeyId, identity.credentials.accessKeyId);
    assert.ok(
      Date.parse(String(first.body.Expiration)) <= rotatesAt.getTime() + MIN_ROTATION_PERIOD_MS,
      'processes come back by the time the keys can die',
    );
    assert.equal(principalText((await world.identify(first)).principal), '111111111111/user/service/ci-deployer');

    await passRotation(rotatesAt);
    const rotated = await keysInVault(window);
    assert.notEqual(rotated, identity.credentials.accessKeyId, 'Vault rotated the role');
    const second = await world.fetch(window.url, token);
    assert.equal(second.body.AccessKeyId, rotated, 'the terminal gets the keys Vault holds now');

    // The next rotation deletes the keys the terminal was opened with (rotation.go): it must not be left with them.
    await passRotation(new Date(Date.now() + 3600_000));
    const third = await world.ask(window.url, token);
    assert.equal(third.deadKeys, undefined, 'keys that work');
    assert.equal(principalText(third.principal), '111111111111/user/service/ci-deployer');
  });

  it('says one sentence instead of serving the keys when they cannot be read again at the rotation time', async () => {
    clock.offsetMs = 0;
    const { window, identity, token } = await staticTerminal(11);
    const rotatesAt = identity.origin.kind === 'vaultStatic' ? identity.origin.rotatesAt! : new Date(0);
    assert.equal((await world.fetch(window.url, token)).status, 200);
    world.servers.vault.seal();
    try {
      clock.offsetMs += rotatesAt.getTime() - Date.now() + 1_000;
      const answer = await world.fetch(window.url, token);
      assert.equal(answer.status, 503);
      assert.equal(answer.body.Code, 'StaticKeysUnread');
      assert.equal(answer.body.Message, staticUnreadMessage('ci-deployer', rotatesAt));
    } finally {
      world.servers.vault.unseal();
    }
  });
});
