import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toUserError } from '../../../src/core/aws/errors';
import { UserError } from '../../../src/core/userError';

// The server-backed cases are in sts.test.ts; these are the names the local server does not produce.
const sdkError = (name: string, extra: object = {}) => Object.assign(new Error(`English text for ${name}`), { name, ...extra });
const ctx = {
  action: 'AssumeRole' as const,
  roleArn: 'arn:aws:iam::333333333333:role/Admin',
  source: 'profile bob',
  endpoint: 'https://sts.example',
};

describe('AWS error mapping', () => {
  it('branches on the error name, not its message, and keeps the message for the log only', () => {
    const e = toUserError(sdkError('SignatureDoesNotMatch'), ctx);
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.match(e.message, /secret access key is wrong/);
    assert.doesNotMatch(e.message, /English text/);
    assert.match(e.detail!, /English text for SignatureDoesNotMatch/);
  });

  it('maps ExpiredToken, throttling variants and unknown names to one sentence each', () => {
    assert.equal(toUserError(sdkError('ExpiredTokenException'), ctx).code, 'ExpiredToken');
    assert.equal(toUserError(sdkError('ThrottlingException'), ctx).code, 'Throttling');
    const other = toUserError(sdkError('RegionDisabledException'), ctx);
    assert.match(other.message, /region/);
    const unknown = toUserError(sdkError('SomethingNew'), ctx);
    assert.equal(unknown.code, 'SomethingNew');
    assert.match(unknown.message, /arn:aws:iam::333333333333:role\/Admin: SomethingNew\. See the IAM Switchboard log/);
  });

  it('tells a timeout from a network failure from a cancellation', () => {
    assert.equal(toUserError(sdkError('TimeoutError', { code: 'ECONNRESET' }), ctx).code, 'ECONNRESET');
    assert.equal(toUserError(sdkError('TimeoutError'), ctx).code, 'Timeout');
    assert.equal(toUserError(sdkError('AbortError'), { ...ctx, timedOut: true }).code, 'Timeout');
    assert.equal(toUserError(sdkError('AbortError'), ctx).code, 'Cancelled');
    assert.equal(toUserError(sdkError('Error', { cause: { code: 'ENOTFOUND' } }), ctx).code, 'ENOTFOUND');
  });

  it('passes UserErrors through unchanged', () => {
    const original = new UserError('Already one sentence.', 'X');
    assert.equal(toUserError(original, ctx), original);
  });
});
