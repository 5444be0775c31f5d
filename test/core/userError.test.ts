import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toUserError } from '../../src/core/aws/errors';
import { UserError, errorText } from '../../src/core/userError';

test('a code from a server cannot carry a newline or a fake log line into the log', () => {
  const error = new UserError(
    'Something failed: try again.',
    'Bad\nINFO [fake] signed in as admin\r',
    'detail\nINFO [fake] forged\u001b[31m',
  );
  assert.equal(error.code, 'Bad_INFO__fake__signed_in_as_admin_');
  // eslint-disable-next-line no-control-regex -- an escape character must not survive
  assert.doesNotMatch(error.detail!, /[\r\n\u001b]/);
  // What an STS server sends as its error Code becomes the code of a UserError.
  const fromServer = toUserError(Object.assign(new Error('x\ny'), { name: 'Weird\nCode' }), {
    action: 'AssumeRole',
    roleArn: 'arn:aws:iam::222222222222:role/R',
  });
  assert.doesNotMatch(`${fromServer.code} ${fromServer.message} ${fromServer.detail}`, /[\r\n]/);
});

test('a code stays a short machine name', () => {
  assert.equal(new UserError('x', 'A'.repeat(200)).code?.length, 64);
  assert.equal(new UserError('x', 'AccessDenied').code, 'AccessDenied');
  assert.equal(new UserError('x').code, undefined);
});

test('an unexpected parse error is never quoted: JSON.parse repeats the text it failed on', () => {
  let error: unknown;
  try {
    JSON.parse('hunter2s3cret is the password');
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof SyntaxError);
  assert.doesNotMatch(errorText(error), /hunter2/);
  assert.match(errorText(error), /^SyntaxError/);
  assert.equal(errorText(new Error('plain')), 'plain');
});
