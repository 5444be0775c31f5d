import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Grant, WriteGrants } from '../../../src/core/agents/grants';
import { UserError } from '../../../src/core/userError';
import { TestClock } from '../../support/testClock';

const MINUTE = 60_000;
const DEV = { id: '222222222222', name: 'dev', production: false };
const PROD = { id: '333333333333', name: 'prod', production: true };

function setup() {
  const clock = new TestClock(Date.UTC(2026, 0, 1));
  const grants = new WriteGrants(clock);
  const events: string[] = [];
  grants.onDidChange((g: Grant) => events.push(`${g.agent}:${g.state}${g.endReason ? `:${g.endReason}` : ''}`));
  const ask = (agent = 'claude-code', account = DEV, minutes?: number) =>
    grants.request({ agent, reason: 'apply the bucket policy', account, role: 'Deployer', minutes });
  return { clock, grants, events, ask };
}

const refusedWith = (code: string) => (error: unknown) => error instanceof UserError && error.code === code;

describe('write grants', () => {
  it('goes from pending to approved for 15 minutes by default, then ends at its expiry', () => {
    const { clock, grants, events, ask } = setup();
    const grant = ask();
    assert.equal(grant.state, 'pending');
    assert.equal(grants.active('claude-code'), undefined);
    grants.approve(grant.id);
    assert.equal(grants.active('claude-code')?.expiresAt, clock.now() + 15 * MINUTE);
    clock.advance(15 * MINUTE - 1);
    assert.ok(grants.active('claude-code'));
    clock.advance(1);
    assert.equal(grants.active('claude-code'), undefined);
    assert.deepEqual(events, ['claude-code:pending', 'claude-code:approved', 'claude-code:ended:expired']);
    assert.equal(clock.pending, 0);
  });

  it('takes 1 to 60 whole minutes and refuses anything else, and a request with no reason', () => {
    const { grants, clock, ask } = setup();
    for (const minutes of [0, 61, 1.5, -5]) {
      assert.throws(() => ask('a', DEV, minutes), refusedWith('BadDuration'), String(minutes));
    }
    assert.throws(() => grants.request({ agent: 'a', reason: '  ', account: DEV, role: 'Deployer' }), refusedWith('NoReason'));
    grants.approve(ask('a', DEV, 60).id);
    clock.advance(60 * MINUTE);
    assert.equal(grants.active('a'), undefined);
  });

  it('leaves a denied request without access', () => {
    const { grants, events, ask } = setup();
    grants.deny(ask().id);
    assert.equal(grants.active('claude-code'), undefined);
    assert.deepEqual(grants.live(), []);
    assert.deepEqual(events, ['claude-code:pending', 'claude-code:denied']);
  });

  it('needs the typed account name to approve in production and refuses a mismatch, leaving the request pending', () => {
    const { grants, ask } = setup();
    const grant = ask('copilot', PROD);
    assert.throws(() => grants.approve(grant.id), refusedWith('NameMismatch'));
    assert.throws(() => grants.approve(grant.id, 'dev'), refusedWith('NameMismatch'));
    assert.equal(grants.get(grant.id)?.state, 'pending');
    grants.approve(grant.id, ' prod ');
    assert.ok(grants.active('copilot'));
  });

  it('ends every grant and request at Clear or a switch, and one agent’s at end(agent)', () => {
    const { clock, grants, events, ask } = setup();
    grants.approve(ask('claude-code').id);
    grants.approve(ask('copilot').id);
    const pending = ask('codex');
    assert.equal(grants.end('copilot'), true);
    assert.equal(grants.end('copilot'), false);
    assert.ok(grants.active('claude-code'));
    grants.endAll('switched');
    assert.deepEqual(grants.live(), []);
    assert.equal(grants.get(pending.id), undefined);
    assert.throws(() => grants.approve(pending.id), refusedWith('NotPending'));
    assert.ok(events.includes('copilot:ended:revoked'));
    assert.ok(events.includes('claude-code:ended:switched'));
    assert.ok(events.includes('codex:denied:switched'));
    assert.equal(clock.pending, 0, 'no expiry timer outlives its grant');
  });

  it('refuses a second request while one is pending, and a new approval replaces an earlier grant', () => {
    const { grants, ask } = setup();
    const first = ask();
    assert.throws(() => ask(), refusedWith('RequestPending'));
    grants.approve(first.id);
    const second = ask('claude-code', DEV, 30);
    grants.approve(second.id);
    assert.equal(grants.live().length, 1);
    assert.equal(grants.active('claude-code')?.id, second.id);
    assert.equal(first.endReason, 'revoked');
  });
});
