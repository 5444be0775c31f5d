// The one check that a call fails as a person would be told: a UserError with this code (and these words).
import * as assert from 'node:assert/strict';
import { UserError } from '../../src/core/userError';

export async function rejectsWith(promise: Promise<unknown>, code: string, ...mentions: string[]): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    for (const text of mentions) {
      assert.ok(error.message.includes(text), `'${error.message}' does not mention '${text}'`);
    }
    return error;
  }
  return assert.fail(`expected ${code}, but it succeeded`);
}
