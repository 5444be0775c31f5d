import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Lease, LeaseTracker, type Timers } from '../../../src/core/vault/leases';
import { formatSeconds, parseDuration } from '../../../src/core/duration';

/** Timers a test moves by hand: `advance` fires whatever is due. */
class FakeTimers implements Timers {
  time = 1_000_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.time + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get armed(): number[] {
    return [...this.pending.values()].map((p) => p.at - this.time);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, p]) => p.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = until;
  }
}

function lease(timers: FakeTimers, id: string, seconds: number, extra: Partial<Lease> = {}): Lease {
  return {
    leaseId: id,
    server: 'http://vault',
    mount: 'aws',
    role: 's3-full',
    credentialType: 'iam_user',
    renewable: true,
    leaseDuration: seconds,
    expiresAt: new Date(timers.now() + seconds * 1000),
    ...extra,
  };
}

test('a lease leaves the tracker by itself when it expires, and the expiry event names it', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  const expired: string[] = [];
  let changes = 0;
  tracker.onDidExpire((l) => expired.push(l.leaseId));
  tracker.onDidChange(() => changes++);
  tracker.add(lease(timers, 'aws/creds/s3-full/a', 60));
  tracker.add(lease(timers, 'aws/sts/dev-s3/b', 120, { renewable: false }));
  assert.equal(changes, 2);
  timers.advance(59_000);
  assert.deepEqual(
    tracker.list().map((l) => l.leaseId),
    ['aws/creds/s3-full/a', 'aws/sts/dev-s3/b'],
  );
  assert.equal(tracker.timeLeft('aws/creds/s3-full/a'), 1000);
  timers.advance(1000);
  assert.deepEqual(expired, ['aws/creds/s3-full/a']);
  assert.deepEqual(
    tracker.list().map((l) => l.leaseId),
    ['aws/sts/dev-s3/b'],
  );
  timers.advance(60_000);
  assert.deepEqual(expired, ['aws/creds/s3-full/a', 'aws/sts/dev-s3/b']);
  assert.equal(tracker.list().length, 0);
});

test('renewing moves the expiry: the lease outlives its first deadline', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  tracker.add(lease(timers, 'l1', 60));
  timers.advance(30_000);
  tracker.update('l1', { leaseDuration: 300, expiresAt: new Date(timers.now() + 300_000) });
  timers.advance(31_000);
  assert.equal(tracker.list().length, 1);
  assert.deepEqual(timers.armed, [269_000]);
  timers.advance(269_000);
  assert.equal(tracker.list().length, 0);
});

test('a 32-day iam_user lease is re-armed instead of overflowing setTimeout', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  tracker.add(lease(timers, 'long', 768 * 3600));
  assert.deepEqual(timers.armed, [2 ** 31 - 1]);
  timers.advance(2 ** 31 - 1);
  assert.equal(tracker.list().length, 1, 'not expired yet after the first timer');
  timers.advance(768 * 3600 * 1000 - (2 ** 31 - 1));
  assert.equal(tracker.list().length, 0);
});

test('leases without an id (Vault 1.13.0 STS) and already-expired ones are not tracked', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  tracker.add(lease(timers, '', 60));
  tracker.add(lease(timers, 'old', -1));
  assert.equal(tracker.list().length, 0);
});

test('removing a lease stops its timer and it never fires as expired', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  const expired: string[] = [];
  tracker.onDidExpire((l) => expired.push(l.leaseId));
  tracker.add(lease(timers, 'l1', 60));
  tracker.remove('l1');
  timers.advance(120_000);
  assert.deepEqual(expired, []);
  assert.deepEqual(timers.armed, []);
});

test('saved state holds lease metadata only and restores without expired entries', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  tracker.add(lease(timers, 'keep', 600, { server: 'http://a' }));
  tracker.add(lease(timers, 'gone', 10, { server: 'http://b' }));
  const saved = JSON.parse(JSON.stringify(tracker.toJSON()));
  assert.deepEqual(Object.keys(saved[0]).sort(), [
    'credentialType',
    'expiresAt',
    'leaseDuration',
    'leaseId',
    'mount',
    'renewable',
    'role',
    'server',
  ]);
  timers.advance(20_000);
  const restored = new LeaseTracker(timers);
  restored.restore(saved);
  restored.restore('not a list');
  assert.deepEqual(
    restored.list().map((l) => l.leaseId),
    ['keep'],
  );
  assert.deepEqual(
    restored.list('http://a').map((l) => l.server),
    ['http://a'],
  );
  assert.equal(restored.timeLeft('keep'), 580_000);
});

test('durations parse the way the TTL prompt accepts them', () => {
  assert.equal(parseDuration('15m'), 900);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration(' 900 '), 900);
  assert.equal(parseDuration('2H'), 7200);
  assert.equal(parseDuration('1d'), 86400);
  assert.equal(parseDuration('15 minutes'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('-5m'), undefined);
});

test('durations are shown in one style, two units at most, that the TTL prompt accepts back', () => {
  for (const [seconds, text] of [
    [5400, '1h 30m'],
    [900, '15m'],
    [7200, '2h'],
    [3660, '1h 1m'],
    [45, '45s'],
    [0, '0s'],
    [93600, '1d 2h'],
    [768 * 3600, '32d'],
  ] as const) {
    assert.equal(formatSeconds(seconds), text);
    assert.equal(parseDuration(text), seconds, `${text} parses back`);
  }
  // Seconds beyond the shown units are dropped rather than shown as "3542s".
  assert.equal(formatSeconds(3542), '59m');
  assert.equal(formatSeconds(3661), '1h 1m');
  assert.equal(parseDuration('1h 5m'), 3900);
  assert.equal(parseDuration('1h  5m'), 3900);
  assert.equal(parseDuration('1 h'), undefined);
});

test('a lease with an Invalid Date expiry is kept without an expiry instead of expiring at once', () => {
  const timers = new FakeTimers();
  const tracker = new LeaseTracker(timers);
  const expired: string[] = [];
  tracker.onDidExpire((l) => expired.push(l.leaseId));
  tracker.add(lease(timers, 'bad-date', 60, { expiresAt: new Date(Number.NaN) }));
  tracker.restore([{ leaseId: 'bad-saved', server: 'http://a', expiresAt: 'not a date', leaseDuration: 'x' }]);
  timers.advance(1);
  assert.deepEqual(expired, []);
  assert.deepEqual(
    tracker.list().map((l) => [l.leaseId, l.expiresAt, l.leaseDuration]),
    [
      ['bad-date', undefined, 60],
      ['bad-saved', undefined, 0],
    ],
  );
  assert.equal(tracker.timeLeft('bad-date'), undefined);
});
