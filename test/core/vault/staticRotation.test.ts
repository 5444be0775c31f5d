// Following a static role's rotation as real Vault does it (the local Vault rotates on its one-minute tick and
// keeps the previous key until the next rotation): the product reads again until the keys change, within a
// bound that covers the tick, and says so when Vault is later than that; a period change that leaves a stale
// `expiration` is caught by reading at least once a period. Times are the local Vault's clock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MIN_ROTATION_PERIOD_MS,
  ROTATION_LATENESS_MS,
  ROTATION_POLL_MS,
  firstRotationCheckIn,
  overdueRotationMessage,
  readStaticCredentials,
  rotationStep,
  staticRereadDue,
  staticServedUntil,
} from '../../../src/core/vault/staticRoles';
import { VaultClient } from '../../../src/core/vault/client';
import { type LocalServers, startServers } from '../../servers';

describe('following a static role’s rotation', () => {
  let servers: LocalServers;
  let root: VaultClient;
  const read = () => readStaticCredentials(root, 'aws', 'ci-deployer');

  before(async () => {
    servers = await startServers();
    root = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    root.setToken(servers.vault.rootToken);
  });
  after(() => servers.close());

  test('past the rotation time the same keys mean “wait”, until Vault’s tick brings new ones', async () => {
    const inUse = await read();
    const dueAt = inUse.rotatesAt!;
    const held = { accessKeyId: inUse.credentials.accessKeyId, dueAt };
    await servers.vault.advanceClock(dueAt.getTime() - servers.vault.now() + 3_000);
    const early = await read();
    const step = rotationStep(held, { accessKeyId: early.credentials.accessKeyId, rotatesAt: early.rotatesAt }, servers.vault.now());
    assert.deepEqual(step, { kind: 'wait', inMs: ROTATION_POLL_MS });
    // The old product stopped reading about 32 s after the rotation time; Vault's tick can come later than that.
    await servers.vault.advanceClock(55_000);
    const late = await read();
    assert.equal(
      rotationStep(held, { accessKeyId: late.credentials.accessKeyId, rotatesAt: late.rotatesAt }, servers.vault.now()).kind,
      'wait',
    );
    await servers.vault.advanceClock(5_000);
    const rotated = await read();
    assert.notEqual(rotated.credentials.accessKeyId, held.accessKeyId);
    assert.ok(servers.vault.now() - dueAt.getTime() > 32_000, 'this rotation landed after the old 32 s window');
    assert.ok(servers.vault.now() - dueAt.getTime() < ROTATION_LATENESS_MS, 'and within the new bound');
    assert.deepEqual(rotationStep(held, { accessKeyId: rotated.credentials.accessKeyId, rotatesAt: rotated.rotatesAt }), {
      kind: 'rotated',
    });
  });

  test('keys that stay past the bound are overdue, with one sentence that says what happens and what to do', () => {
    const dueAt = new Date(2026, 0, 1, 12, 0); // local time: the message says it as the person's clock does
    const held = { accessKeyId: 'AKIAHELD', dueAt };
    assert.equal(rotationStep(held, { accessKeyId: 'AKIAHELD', rotatesAt: dueAt }, dueAt.getTime() + ROTATION_LATENESS_MS).kind, 'overdue');
    assert.equal(rotationStep(held, { accessKeyId: 'AKIAHELD', rotatesAt: dueAt }, dueAt.getTime() - 1).kind, 'notYet');
    assert.equal(
      overdueRotationMessage('ci-deployer', dueAt),
      'Vault has not rotated the static keys of ci-deployer, due at 2026-01-01 12:00, within 90 s, so terminals keep them and will lose them one rotation after Vault replaces them: use the static role again once Vault has rotated it, and check its rotation_period in Vault.',
    );
  });

  test('after a period change the stale expiration hides the rotation; reading once a period still catches it in time', async () => {
    const inUse = await read();
    const held = { accessKeyId: inUse.credentials.accessKeyId, dueAt: inUse.rotatesAt! };
    await root.request('update', 'aws/static-roles/ci-deployer', { data: { rotation_period: 120 } });
    const checkIn = firstRotationCheckIn(held.dueAt, 120, servers.vault.now());
    assert.equal(checkIn, 120_000, 'the next read is one period away, not at the stale time an hour ahead');
    // Vault rotates at the tick after now + 120 s; by the read after that, the new keys are out.
    await servers.vault.advanceClock(checkIn + 60_000);
    const fresh = await read();
    assert.equal(fresh.rotatesAt!.getTime() < held.dueAt.getTime(), true);
    assert.deepEqual(rotationStep(held, { accessKeyId: fresh.credentials.accessKeyId, rotatesAt: fresh.rotatesAt }, servers.vault.now()), {
      kind: 'rotated',
    });
    assert.ok(servers.vault.now() < held.dueAt.getTime(), 'caught before the stale expiration was even reached');
  });
});

describe('static keys at the credential endpoint', () => {
  const dueAt = new Date('2026-01-01T12:00:00Z');
  const due = dueAt.getTime();

  test('are read again from their rotation time on, then at most every poll interval', () => {
    assert.equal(staticRereadDue(dueAt, due - 60_000, due - 1), false, 'not before the rotation time');
    assert.equal(staticRereadDue(dueAt, due - 60_000, due), true, 'held from before it: read at once');
    assert.equal(staticRereadDue(dueAt, due + 1_000, due + 1_000 + ROTATION_POLL_MS - 1), false);
    assert.equal(staticRereadDue(dueAt, due + 1_000, due + 1_000 + ROTATION_POLL_MS), true);
    assert.equal(staticRereadDue(undefined, 0, due), false, 'Vault 1.14 says no rotation time');
  });

  test('are served until they can die at the soonest, so processes come back for the new ones', () => {
    const hour = 3600_000;
    assert.equal(staticServedUntil(dueAt, hour, due - 2 * hour).getTime(), due - hour, 'the horizon first');
    assert.equal(staticServedUntil(dueAt, hour, due - 600_000).getTime(), due + MIN_ROTATION_PERIOD_MS);
    assert.equal(staticServedUntil(dueAt, hour, due + 30_000).getTime(), due + 30_000 - ROTATION_POLL_MS + MIN_ROTATION_PERIOD_MS);
    assert.equal(staticServedUntil(undefined, hour, due).getTime(), due + hour);
  });
});
