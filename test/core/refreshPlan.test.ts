import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampDelay, MAX_TIMER_MS, refreshMode, refreshPlan, REFRESH_BEFORE_MS } from '../../src/core/refreshPlan';

const now = Date.parse('2026-12-01T12:00:00Z');

test('an hour-long session is refreshed five minutes before it ends', () => {
  const plan = refreshPlan(new Date(now + 3600_000), now);
  assert.deepEqual(plan, { refreshInMs: 3600_000 - REFRESH_BEFORE_MS, expireInMs: 3600_000 });
});

test('a session shorter than ten minutes is refreshed halfway, not at once', () => {
  assert.deepEqual(refreshPlan(new Date(now + 4 * 60_000), now), { refreshInMs: 2 * 60_000, expireInMs: 4 * 60_000 });
});

test('credentials without expiry, or with an invalid date, get no timers', () => {
  assert.equal(refreshPlan(undefined, now), undefined);
  assert.equal(refreshPlan(new Date(Number.NaN), now), undefined);
});

test('a far expiry is capped at the longest delay setTimeout honours, an expired one is due now', () => {
  const plan = refreshPlan(new Date(now + 40 * 86400_000), now)!;
  assert.equal(plan.expireInMs, MAX_TIMER_MS);
  assert.equal(plan.refreshInMs, MAX_TIMER_MS);
  assert.deepEqual(refreshPlan(new Date(now - 1000), now), { refreshInMs: 0, expireInMs: 0 });
  assert.equal(clampDelay(-5), 0);
});

test('a refresh is silent only when auto-refresh is on and no MFA code is needed', () => {
  assert.equal(refreshMode(true, false), 'silent');
  assert.equal(refreshMode(true, true), 'ask');
  assert.equal(refreshMode(false, false), 'ask');
});
