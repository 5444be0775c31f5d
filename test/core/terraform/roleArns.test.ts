import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assumableRoleArn,
  importOutcome,
  mergeRoleArns,
  planImport,
  roleArnsFromOutputs,
  roleArnsFromState,
} from '../../../src/core/terraform/roleArns';
import { UserError } from '../../../src/core/userError';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'terraform');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const sorted = (arns: string[]): string[] => [...arns].sort();

// Never role ARNs someone could assume, though the fixtures are full of them.
const EXCLUDED = [
  'arn:aws:iam::222222222222:instance-profile/web-instance',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::222222222222:policy/ListAllMyBuckets',
  'arn:aws:iam::111111111111:user/alice',
  'arn:aws:sts::222222222222:assumed-role/CrossAccountReadOnly/alice',
  'arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
];

test('terraform output -json: role ARNs from strings, tuples and nested objects, each once', () => {
  const found = roleArnsFromOutputs(fixture('output.json'));
  assert.deepEqual(sorted(found.roleArns), [
    'arn:aws-us-gov:iam::444444444444:role/GovReadOnly',
    'arn:aws:iam::222222222222:role/CrossAccountReadOnly',
    'arn:aws:iam::333333333333:role/CrossAccountReadOnly',
    'arn:aws:iam::333333333333:role/deploy/CrossAccountDeploy',
  ]);
  for (const arn of EXCLUDED) {
    assert.ok(!found.roleArns.includes(arn), arn);
  }
});

test('sensitive outputs are skipped unread, even when they hold a role ARN', () => {
  const found = roleArnsFromOutputs(fixture('output.json'));
  assert.deepEqual(found.skippedSensitive, ['vault_iam_user']);
  const text = JSON.stringify(found);
  assert.ok(!text.includes('SensitiveDeploy'));
  assert.ok(!text.includes('EXAMPLEKEY'));
});

test('state file: root outputs plus managed aws_iam_role resources in every module', () => {
  const found = roleArnsFromState(fixture('terraform.tfstate'));
  assert.deepEqual(sorted(found.roleArns), [
    'arn:aws-us-gov:iam::444444444444:role/GovReadOnly',
    'arn:aws:iam::222222222222:role/CrossAccountReadOnly',
    'arn:aws:iam::222222222222:role/web-instance',
    'arn:aws:iam::333333333333:role/CrossAccountReadOnly',
    'arn:aws:iam::333333333333:role/ci/GitHubActionsRunner',
    'arn:aws:iam::333333333333:role/deploy/CrossAccountDeploy',
  ]);
  assert.equal(new Set(found.roleArns).size, found.roleArns.length, 'no duplicates');
  assert.ok(!found.roleArns.includes('arn:aws:iam::222222222222:role/ExistingAdmin'), 'data sources are not managed here');
  assert.ok(!found.roleArns.includes('arn:aws:iam::111111111111:role/VaultRoot'), 'only aws_iam_role resources count');
  for (const arn of EXCLUDED) {
    assert.ok(!found.roleArns.includes(arn), arn);
  }
  assert.deepEqual(found.skippedSensitive, ['vault_iam_user']);
  assert.ok(!JSON.stringify(found).includes('EXAMPLEKEY'));
});

test('files that are not outputs or v4 state are refused with a code and a next step', () => {
  const refuses = (read: () => unknown, code: string, message: RegExp): void => {
    assert.throws(read, (error: unknown) => error instanceof UserError && error.code === code && message.test(error.message));
  };
  refuses(() => roleArnsFromState(fixture('backend-settings.tfstate')), 'UnsupportedState', /backend settings file.*choose the state file/);
  refuses(() => roleArnsFromState(JSON.stringify({ version: 3, modules: [] })), 'UnsupportedState', /format version 3/);
  refuses(() => roleArnsFromState('{"outputs": {}}'), 'UnsupportedState', /not a Terraform state file/);
  refuses(() => roleArnsFromState('Error: No state'), 'InvalidJson', /not valid JSON/);
  refuses(() => roleArnsFromOutputs(fixture('terraform.tfstate')), 'InvalidJson', /not the output of 'terraform output -json'/);
});

test('no outputs means no roles', () => {
  assert.deepEqual(roleArnsFromOutputs('{}\n'), { roleArns: [], skippedSensitive: [], skippedServiceRoles: [] });
  assert.deepEqual(roleArnsFromState(JSON.stringify({ version: 4, outputs: {}, resources: [] })), {
    roleArns: [],
    skippedSensitive: [],
    skippedServiceRoles: [],
  });
});

test('the role ARN check is strict', () => {
  assert.equal(assumableRoleArn('arn:aws:iam::222222222222:role/a/b/Name'), 'arn:aws:iam::222222222222:role/a/b/Name');
  assert.equal(assumableRoleArn('arn:aws-cn:iam::222222222222:role/Name'), 'arn:aws-cn:iam::222222222222:role/Name');
  for (const value of [
    'arn:aws:iam::22222222222:role/Name',
    'arn:aws:iam::222222222222:role/',
    'arn:aws:iam::222222222222:role/bad name',
    'arn:aws:iam:us-east-1:222222222222:role/X',
    42,
    null,
  ]) {
    assert.equal(assumableRoleArn(value), undefined, String(value));
  }
});

test('merging keeps existing order and adds only new ARNs', () => {
  const a = 'arn:aws:iam::222222222222:role/A';
  const b = 'arn:aws:iam::333333333333:role/B';
  const c = 'arn:aws:iam::333333333333:role/C';
  assert.deepEqual(mergeRoleArns([a, b, a], [c, b, c]), { merged: [a, b, c], added: [c] });
  assert.deepEqual(mergeRoleArns([], []), { merged: [], added: [] });
});

test('an import counts roles already listed (from ~/.aws/config too) apart from new ones', () => {
  const a = 'arn:aws:iam::222222222222:role/A';
  const b = 'arn:aws:iam::333333333333:role/B';
  const c = 'arn:aws:iam::333333333333:role/C';
  const setting = 'iamSwitchboard.terraformRoleArns';
  const allListed = planImport([a, b, c, a], [c, b, a]);
  assert.deepEqual(allListed, { added: [], alreadyListed: 3 });
  assert.equal(importOutcome(allListed, setting), 'All 3 roles from Terraform were already listed.');
  const oneNew = planImport([a, b, c], [b, c]);
  assert.deepEqual(oneNew, { added: [a], alreadyListed: 2 });
  assert.equal(importOutcome(oneNew, setting), `Added 1 role from Terraform to the workspace setting ${setting}; 2 were already listed.`);
  assert.equal(importOutcome(planImport([a, b], []), setting), `Added 2 roles from Terraform to the workspace setting ${setting}.`);
  assert.equal(importOutcome(planImport([a], [a]), setting), 'The role from Terraform was already listed.');
  assert.match(importOutcome(planImport([a, b], [a]), setting), /; 1 was already listed\.$/);
});

test('invalid JSON is located by line and column, never quoted (nearby text can be a sensitive output)', () => {
  const cases = [
    { text: '{"version": 4,\n "outputs": {"db_password": {"value": hunter2SECRET, "sensitive": true}}}', line: 2, column: 39 },
    { text: '{"version": 4,\n "outputs": {"db_password": {"value": "hunter2SECRET" "sensitive": true}}}', line: 2, column: 55 },
    { text: '{"version": 4, "outputs": {"db_password": {"value": "hunter2SECRET"', line: 1, column: 68 },
  ];
  for (const { text, line, column } of cases) {
    for (const read of [roleArnsFromState, roleArnsFromOutputs]) {
      assert.throws(
        () => read(text),
        (error: unknown) =>
          error instanceof UserError &&
          error.code === 'InvalidJson' &&
          error.message.includes(`line ${line}, column ${column}`) &&
          !/hunter2/.test(`${error.message} ${error.detail ?? ''}`),
        text,
      );
    }
  }
});

test('state file: a role only AWS services may assume is left out, even when an output names it', () => {
  const role = (name: string, principal: object) => ({
    mode: 'managed',
    type: 'aws_iam_role',
    name,
    instances: [
      {
        attributes: {
          arn: `arn:aws:iam::222222222222:role/${name}`,
          assume_role_policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: principal }],
          }),
        },
      },
    ],
  });
  const state = {
    version: 4,
    resources: [
      role('WebServer', { Service: 'ec2.amazonaws.com' }),
      role('Lambdas', { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] }),
      role('Mixed', { Service: 'ec2.amazonaws.com', AWS: 'arn:aws:iam::111111111111:root' }),
      role('People', { AWS: 'arn:aws:iam::111111111111:root' }),
    ],
    outputs: { web_role_arn: { value: 'arn:aws:iam::222222222222:role/WebServer' } },
  };
  const found = roleArnsFromState(JSON.stringify(state));
  assert.deepEqual(found.roleArns, ['arn:aws:iam::222222222222:role/Mixed', 'arn:aws:iam::222222222222:role/People']);
  assert.deepEqual(found.skippedServiceRoles, ['arn:aws:iam::222222222222:role/WebServer', 'arn:aws:iam::222222222222:role/Lambdas']);
});
