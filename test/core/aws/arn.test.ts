import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerName, checkAccountId, parseRoleArn, partitionOf, roleArn, ssoRoleArnLine, tryParseRoleArn } from '../../../src/core/aws/arn';
import { UserError } from '../../../src/core/userError';

describe('role ARNs and account ids', () => {
  it('parses role ARNs in every partition, with and without a path', () => {
    assert.deepEqual(parseRoleArn('arn:aws:iam::222222222222:role/ReadOnly'), {
      arn: 'arn:aws:iam::222222222222:role/ReadOnly',
      partition: 'aws',
      accountId: '222222222222',
      path: '/',
      name: 'ReadOnly',
    });
    assert.equal(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/Admin').partition, 'aws-us-gov');
    const cn = parseRoleArn('arn:aws-cn:iam::123456789012:role/vault/VaultS3');
    assert.equal(cn.partition, 'aws-cn');
    assert.equal(cn.path, '/vault/');
    assert.equal(cn.name, 'VaultS3');
  });

  it('an 11-digit account id is a UserError naming the bad value', () => {
    assert.throws(
      () => parseRoleArn('arn:aws:iam::22222222222:role/ReadOnly'),
      (e: unknown) => e instanceof UserError && e.code === 'InvalidAccountId' && e.message.includes("'22222222222'"),
    );
    assert.throws(
      () => checkAccountId('12345678901'),
      (e: unknown) => e instanceof UserError && e.message.includes("'12345678901'"),
    );
    assert.equal(checkAccountId(' 123456789012 '), '123456789012');
  });

  it('a malformed ARN is a UserError naming it', () => {
    for (const bad of [
      'arn:aws:iam::222222222222:user/alice',
      'ReadOnly',
      'arn:aws:s3:::bucket',
      'arn:aws-xx:iam::222222222222:role/R',
      'arn:aws:iam::222222222222:role/has space',
    ]) {
      assert.equal(tryParseRoleArn(bad), undefined, bad);
      assert.throws(
        () => parseRoleArn(bad),
        (e: unknown) => e instanceof UserError && e.code === 'InvalidRoleArn' && e.message.includes(bad),
      );
    }
  });

  it('reads a role ARN only with a known partition and exactly 12 digits, around whitespace', () => {
    for (const bad of [
      'arn:aws:iam::1234567890123:role/R',
      'arn:aws:iam::12345678901:role/R',
      'arn:aws-c:iam::123456789012:role/R',
      'arn:aws-cn-x:iam::123456789012:role/R',
      'arn:aws-us-gov-x:iam::123456789012:role/R',
      'arn:aws:iam::123456789012:role/',
      `arn:aws:iam::123456789012:role/${'x'.repeat(65)}`,
    ]) {
      assert.equal(tryParseRoleArn(bad), undefined, bad);
    }
    assert.deepEqual(tryParseRoleArn(' arn:aws-cn:iam::123456789012:role/a/b/R \n'), {
      arn: 'arn:aws-cn:iam::123456789012:role/a/b/R',
      partition: 'aws-cn',
      accountId: '123456789012',
      path: '/a/b/',
      name: 'R',
    });
  });

  it('builds role ARNs from an account and a name', () => {
    assert.equal(roleArn('333333333333', 'Auditor'), 'arn:aws:iam::333333333333:role/Auditor');
    assert.equal(roleArn('333333333333', 'Auditor', 'aws-cn'), 'arn:aws-cn:iam::333333333333:role/Auditor');
    assert.throws(() => roleArn('3333', 'Auditor'), UserError);
  });

  it('knows the partition of a region and the person behind a caller ARN', () => {
    assert.equal(partitionOf('eu-west-1'), 'aws');
    assert.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
    assert.equal(partitionOf('cn-north-1'), 'aws-cn');
    assert.equal(callerName('arn:aws:iam::111111111111:user/alice'), 'alice');
    assert.equal(callerName('arn:aws:iam::111111111111:user/service/vault-root'), 'vault-root');
    assert.equal(callerName('arn:aws:sts::222222222222:assumed-role/ReadOnly/alice'), 'alice');
    assert.equal(callerName('arn:aws:iam::111111111111:root'), undefined);
  });
});

describe('the ARN line of an IAM Identity Center role', () => {
  it('shows the account and permission set before the role was assumed, and says the name is not known yet', () => {
    assert.equal(
      ssoRoleArnLine('aws', '222222222222', 'ReadOnlyAccess'),
      '`arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/…/AWSReservedSSO_ReadOnlyAccess_…` (its full name is known once you assume it)',
    );
  });

  it("completes the role's name from its session's assumed-role ARN", () => {
    const session = 'arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_ReadOnlyAccess_0123456789abcdef/dana@example.com';
    assert.equal(
      ssoRoleArnLine('aws', '222222222222', 'ReadOnlyAccess', session),
      '`arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/…/AWSReservedSSO_ReadOnlyAccess_0123456789abcdef`',
    );
    // Another account's or another permission set's session says nothing about this role.
    assert.match(ssoRoleArnLine('aws', '333333333333', 'ReadOnlyAccess', session), /known once you assume it/);
    assert.match(ssoRoleArnLine('aws', '222222222222', 'ReadOnly', session), /AWSReservedSSO_ReadOnly_…/);
  });
});
