// sts:AssumeRole statements evaluated as IAM does: Deny wins, NotAction, NotResource, wildcards per ARN segment.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type PolicyOrigin,
  type SourcedPolicy,
  assumableRoles,
  completePattern,
  parsePolicy,
  refusalOf,
  resourceCovers,
  resourceMatches,
  resourcesOverlap,
} from '../../../src/core/discovery/iamPolicy';

const origin = (policyName: string): PolicyOrigin => ({ kind: 'userInline', policyName, label: `inline policy ${policyName} of user u` });
const policy = (name: string, statements: object[]): SourcedPolicy => {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  assert.ok(parsed);
  return { origin: origin(name), statements: parsed };
};
const allow = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });

describe('policy evaluation for sts:AssumeRole', () => {
  test('action wildcards sts:*, sts:Assume* and * allow AssumeRole; other actions and AssumeRoleWithSAML do not', () => {
    const roles = assumableRoles([
      policy('p', [
        allow('sts:*', 'arn:aws:iam::222222222222:role/A'),
        allow(['s3:GetObject', 'STS:ASSUME*'], 'arn:aws:iam::222222222222:role/B'),
        allow('*', 'arn:aws:iam::222222222222:role/C'),
        allow('sts:AssumeRoleWithSAML', 'arn:aws:iam::222222222222:role/D'),
        allow('iam:*', 'arn:aws:iam::222222222222:role/E'),
      ]),
    ]);
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      ['A', 'B', 'C'].map((n) => `arn:aws:iam::222222222222:role/${n}`),
    );
  });

  test('NotAction allows AssumeRole unless it lists it; resources that cannot name a role are ignored', () => {
    const roles = assumableRoles([
      policy('p', [
        { Effect: 'Allow', NotAction: 'iam:*', Resource: ['arn:aws:iam::222222222222:role/A', 'arn:aws:s3:::bucket'] },
        { Effect: 'Allow', NotAction: 'sts:AssumeRole', Resource: 'arn:aws:iam::222222222222:role/B' },
      ]),
    ]);
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      ['arn:aws:iam::222222222222:role/A'],
    );
  });

  test('a Deny covering an exact role takes it away, one covering part of a pattern is noted, across policies', () => {
    const roles = assumableRoles([
      policy('Allows', [
        allow('sts:AssumeRole', ['arn:aws:iam::222222222222:role/Admin', 'arn:aws:iam::*:role/Dev*', 'arn:aws:iam::333333333333:role/*']),
      ]),
      policy('Denies', [{ Effect: 'Deny', Action: 'sts:*', Resource: ['arn:aws:iam::*:role/*Admin', 'arn:aws:iam::333333333333:role/*'] }]),
    ]);
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      ['arn:aws:iam::*:role/Dev*'],
    );
    // Dev* in any account overlaps both: roles ending in Admin, and every role of 333333333333.
    assert.deepEqual(
      roles.candidates[0].denies.map((d) => [d.resource, d.covers]),
      [
        ['arn:aws:iam::*:role/*Admin', 'part'],
        ['arn:aws:iam::333333333333:role/*', 'part'],
      ],
    );
    assert.match(refusalOf(roles.candidates[0], 'arn:aws:iam::333333333333:role/DevOps') ?? '', /denied/);
    assert.deepEqual(roles.denied.map((c) => c.resource).sort(), [
      'arn:aws:iam::222222222222:role/Admin',
      'arn:aws:iam::333333333333:role/*',
    ]);
    assert.equal(
      refusalOf(roles.candidates[0], 'arn:aws:iam::222222222222:role/DevAdmin'),
      'arn:aws:iam::222222222222:role/DevAdmin is denied by the inline policy Denies of user u',
    );
    assert.equal(refusalOf(roles.candidates[0], 'arn:aws:iam::222222222222:role/DevOps'), undefined);
    assert.match(refusalOf(roles.candidates[0], 'arn:aws:iam::222222222222:role/Ops') ?? '', /does not match/);
  });

  test('a Deny with NotResource denies everything but what it lists', () => {
    const roles = assumableRoles([
      policy('Allows', [
        allow('sts:AssumeRole', [
          'arn:aws:iam::222222222222:role/ReadOnly',
          'arn:aws:iam::333333333333:role/ReadOnly',
          'arn:aws:iam::*:role/*',
        ]),
      ]),
      policy('OnlyDev', [{ Effect: 'Deny', Action: 'sts:AssumeRole', NotResource: 'arn:aws:iam::222222222222:role/*' }]),
    ]);
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      ['arn:aws:iam::222222222222:role/ReadOnly', 'arn:aws:iam::*:role/*'],
    );
    assert.deepEqual(
      roles.candidates[1].denies.map((d) => [d.resource, d.except, d.covers]),
      [['*', ['arn:aws:iam::222222222222:role/*'], 'part']],
    );
    assert.deepEqual(
      roles.denied.map((c) => c.resource),
      ['arn:aws:iam::333333333333:role/ReadOnly'],
    );
    assert.match(refusalOf(roles.candidates[1], 'arn:aws:iam::333333333333:role/X') ?? '', /denied by the inline policy OnlyDev/);
  });

  test('an Allow with NotResource is a * candidate that leaves the listed out; conditions are kept as a mark', () => {
    const roles = assumableRoles([
      policy('p', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: ['arn:aws:iam::333333333333:role/*'] },
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::222222222222:role/Mfa',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
        {
          Effect: 'Deny',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::222222222222:role/Mfa',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]),
    ]);
    const [exact, star] = roles.candidates;
    assert.equal(exact.conditional, true);
    assert.deepEqual(
      exact.denies.map((d) => [d.covers, d.conditional]),
      [['all', true]],
      'a conditional Deny does not take the role away',
    );
    assert.equal(star.resource, '*');
    assert.deepEqual(star.excluded, ['arn:aws:iam::333333333333:role/*']);
    assert.match(refusalOf(star, 'arn:aws:iam::333333333333:role/ReadOnly') ?? '', /left out by NotResource/);
  });

  test('the same resource from two policies is one candidate with both origins', () => {
    const roles = assumableRoles([
      policy('One', [allow('sts:AssumeRole', 'arn:aws:iam::222222222222:role/R')]),
      policy('Two', [allow('sts:AssumeRole', 'arn:aws:iam::222222222222:role/R')]),
    ]);
    assert.equal(roles.candidates.length, 1);
    assert.deepEqual(
      roles.candidates[0].origins.map((o) => o.policyName),
      ['One', 'Two'],
    );
  });

  test('wildcards stay in their ARN segment, except a * that ends one, which spans colons as in IAM', () => {
    assert.equal(resourceMatches('arn:aws:iam::*:role/Dev*', 'arn:aws:iam::222222222222:role/DevOps'), true);
    assert.equal(resourceMatches('arn:aws:iam::*:role/Dev?', 'arn:aws:iam::222222222222:role/DevOps'), false);
    assert.equal(resourceMatches('arn:aws:iam::2*2:role/X', 'arn:aws:iam::222:222:role/X'), false);
    assert.equal(resourceMatches('arn:aws:iam::2?2:role/X', 'arn:aws:iam::2:2:role/X'), false);
    // IAM User Guide, "IAM JSON policy elements: Resource": a * that is the last character of a segment can span colons.
    assert.equal(resourceMatches('arn:aws:iam::2*', 'arn:aws:iam::222222222222:role/X'), true);
    assert.equal(resourceMatches('arn:aws:iam::*:role/*', 'arn:aws:iam::222222222222:role/team/X'), true);
    assert.equal(resourceMatches('*', 'arn:aws:iam::222222222222:role/X'), true);
    assert.equal(resourceCovers('arn:aws:iam::*:role/*', 'arn:aws:iam::*:role/Dev*'), true);
    assert.equal(resourceCovers('arn:aws:iam::*:role/Dev*', 'arn:aws:iam::*:role/*'), false);
    assert.equal(resourceCovers('arn:aws:iam::*:role/D?v', 'arn:aws:iam::*:role/D*v'), false);
    assert.equal(resourcesOverlap('arn:aws:iam::*:role/*Admin', 'arn:aws:iam::222222222222:role/Dev*'), true);
    assert.equal(resourcesOverlap('arn:aws:iam::333333333333:role/*', 'arn:aws:iam::222222222222:role/*'), false);
  });

  test('a Deny of arn:aws:iam::333333333333* takes away every role of that account, as IAM reads it', () => {
    const roles = assumableRoles([
      policy('Allows', [
        allow('sts:AssumeRole', [
          'arn:aws:iam::333333333333:role/ReadOnly',
          'arn:aws:iam::222222222222:role/ReadOnly',
          'arn:aws:iam::*:role/*',
        ]),
      ]),
      policy('NoProd', [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::333333333333*' }]),
    ]);
    assert.deepEqual(
      roles.denied.map((c) => c.resource),
      ['arn:aws:iam::333333333333:role/ReadOnly'],
    );
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      ['arn:aws:iam::222222222222:role/ReadOnly', 'arn:aws:iam::*:role/*'],
    );
    assert.match(refusalOf(roles.candidates[1], 'arn:aws:iam::333333333333:role/team/Deploy') ?? '', /denied by the inline policy NoProd/);
  });

  test("policy variables are the caller's values; one without a value is not offered, and says why", () => {
    const caller = { userName: 'alice', userId: 'AIDAALICE', accountId: '111111111111', arn: 'arn:aws:iam::111111111111:user/alice' };
    const roles = assumableRoles(
      [
        policy('Own', [
          allow('sts:AssumeRole', [
            'arn:aws:iam::222222222222:role/${aws:username}-dev',
            "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:PrincipalTag/team, 'ops'}-deploy",
            'arn:aws:iam::222222222222:role/${aws:PrincipalTag/team}',
          ]),
        ]),
        policy('NoOwnAdmin', [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/${AWS:UserName}-admin' }]),
        policy('Broad', [allow('sts:AssumeRole', 'arn:aws:iam::222222222222:role/*')]),
      ],
      caller,
    );
    assert.deepEqual(
      roles.candidates.map((c) => [c.resource, c.written]),
      [
        ['arn:aws:iam::111111111111:role/ops-deploy', "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:PrincipalTag/team, 'ops'}-deploy"],
        ['arn:aws:iam::222222222222:role/alice-dev', 'arn:aws:iam::222222222222:role/${aws:username}-dev'],
        ['arn:aws:iam::222222222222:role/*', undefined],
      ],
    );
    assert.deepEqual(
      roles.notOffered.map((n) => [n.resource, n.reason]),
      [
        [
          'arn:aws:iam::222222222222:role/${aws:PrincipalTag/team}',
          'it uses ${aws:PrincipalTag/team}, which has no value before the request is made',
        ],
      ],
    );
    assert.match(
      refusalOf(roles.candidates[2], 'arn:aws:iam::222222222222:role/alice-admin') ?? '',
      /denied by the inline policy NoOwnAdmin/,
    );
    assert.equal(refusalOf(roles.candidates[2], 'arn:aws:iam::222222222222:role/bob-admin'), undefined);
  });

  test('before policy version 2012-10-17 a variable is text (naming no role), and a resource that is no role ARN is not offered', () => {
    const old = parsePolicy(
      JSON.stringify({ Version: '2008-10-17', Statement: [allow('sts:AssumeRole', 'arn:aws:iam::222222222222:role/${aws:username}')] }),
    )!;
    const injected = 'arn:aws:iam::222222222222:role/X\n[default]\ncredential_process = sh -c evil';
    const roles = assumableRoles([{ origin: origin('Old'), statements: old }, policy('Odd', [allow('sts:AssumeRole', injected)])], {
      userName: 'alice',
      userId: 'AIDAALICE',
      accountId: '111111111111',
      arn: 'arn:aws:iam::111111111111:user/alice',
    });
    assert.deepEqual(roles.candidates, []);
    assert.deepEqual(
      roles.notOffered.map((n) => [n.resource, n.reason]),
      [[injected, 'it is not a role ARN']],
    );
  });

  test('documents that are not policies are refused rather than guessed at', () => {
    assert.equal(parsePolicy('not json'), undefined);
    assert.equal(parsePolicy('{"Version":"2012-10-17"}'), undefined);
    assert.equal(parsePolicy('{"Statement":[{"Effect":"Maybe"}]}'), undefined);
    assert.equal(parsePolicy('{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}')?.length, 1);
  });
});

describe('completing a pattern', () => {
  const [devStar, any] = assumableRoles([
    policy('Allows', [allow('sts:AssumeRole', ['arn:aws:iam::*:role/Dev*', '*'])]),
    policy('Denies', [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/DevAdmin' }]),
  ]).candidates.sort((a, b) => b.resource.length - a.resource.length);

  test('an account id and a role name make a role ARN that the pattern allows', () => {
    assert.deepEqual(completePattern(devStar, '222222222222', 'DevOps'), { arn: 'arn:aws:iam::222222222222:role/DevOps' });
    assert.deepEqual(completePattern(any, '222222222222', 'team/Deploy'), { arn: 'arn:aws:iam::222222222222:role/team/Deploy' });
  });

  test('a name outside the pattern, a denied name, or a bad account id is a sentence', () => {
    assert.match(
      (completePattern(devStar, '222222222222', 'Ops') as { problem: string }).problem,
      /does not match arn:aws:iam::\*:role\/Dev\*/,
    );
    assert.match(
      (completePattern(devStar, '222222222222', 'DevAdmin') as { problem: string }).problem,
      /is denied by the inline policy Denies/,
    );
    assert.match((completePattern(devStar, '2222', 'DevOps') as { problem: string }).problem, /not a 12-digit AWS account id/);
    assert.match((completePattern(any, '222222222222') as { problem: string }).problem, /leaves the role name open/);
  });

  test('a pattern whose * spans the rest of the ARN completes with a role of that account only', () => {
    const [account] = assumableRoles([policy('Acct', [allow('sts:AssumeRole', 'arn:aws:iam::333333333333*')])]).candidates;
    assert.equal(account.kind, 'pattern');
    assert.deepEqual(completePattern(account, '333333333333', 'team/Deploy'), { arn: 'arn:aws:iam::333333333333:role/team/Deploy' });
    assert.match((completePattern(account, '222222222222', 'Deploy') as { problem: string }).problem, /does not match/);
  });

  test('a pattern whose partition is no partition completes to nothing (it would be written to ~/.aws/config)', () => {
    const [odd] = assumableRoles([policy('Odd', [allow('sts:AssumeRole', 'arn:aws\n[default]\nx=y:iam::*:role/*')])]).candidates;
    assert.ok(odd);
    assert.match((completePattern(odd, '222222222222', 'Deploy') as { problem: string }).problem, /partition/);
  });
});
