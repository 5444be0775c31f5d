import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type CrossAccountRoleOptions,
  MODULE_FILE_NAMES,
  accountIdProblem,
  roleNameProblem,
  scaffoldCrossAccountRole,
} from '../../../src/core/terraform/scaffold';
import { UserError } from '../../../src/core/userError';

// HashiCorp's HCL parser compiled to wasm. Required (not imported) so its DOM type reference stays out of the program.
const { parse: parseHcl } = require('@cdktf/hcl2json') as { parse(file: string, hcl: string): Promise<Hcl> };
type Hcl = Record<string, any>; // parsed HCL is untyped JSON, read by shape in each test

const base: CrossAccountRoleOptions = {
  centralAccountId: '111111111111',
  roleName: 'CrossAccountReadOnly',
  managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  requireMfa: false,
  instanceProfile: false,
};

/** Each file parsed on its own, so a syntax error names its file. */
async function parsedModule(options: CrossAccountRoleOptions): Promise<Record<string, Hcl>> {
  const files = scaffoldCrossAccountRole(options);
  assert.deepEqual(Object.keys(files).sort(), [...MODULE_FILE_NAMES].sort());
  const parsed: Record<string, Hcl> = {};
  for (const [name, text] of Object.entries(files)) {
    parsed[name] = await parseHcl(name, text);
  }
  return parsed;
}

function trustStatements(main: Hcl): Hcl[] {
  return main.data.aws_iam_policy_document.trust[0].statement;
}

test('the module trusts the central account root and attaches the chosen managed policies', async () => {
  const module = await parsedModule(base);
  const [central, ...others] = trustStatements(module['main.tf']);
  assert.equal(others.length, 0);
  assert.deepEqual(central.actions, ['sts:AssumeRole']);
  assert.deepEqual(central.principals, [
    { type: 'AWS', identifiers: ['arn:${data.aws_partition.current.partition}:iam::${var.central_account_id}:root'] },
  ]);
  assert.equal(central.condition, undefined, 'no MFA and no external ID: no conditions');

  const role = module['main.tf'].resource.aws_iam_role.this[0];
  assert.equal(role.assume_role_policy, '${data.aws_iam_policy_document.trust.json}');
  assert.equal(role.name, '${var.role_name}');
  const attachment = module['main.tf'].resource.aws_iam_role_policy_attachment.managed[0];
  assert.equal(attachment.for_each, '${toset(var.managed_policy_arns)}');
  assert.equal(module['main.tf'].resource.aws_iam_instance_profile, undefined);

  const variables = module['variables.tf'].variable;
  assert.equal(variables.central_account_id[0].default, '111111111111');
  assert.equal(variables.role_name[0].default, 'CrossAccountReadOnly');
  assert.deepEqual(variables.managed_policy_arns[0].default, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  assert.equal(variables.external_id, undefined);
  assert.equal(module['outputs.tf'].output.role_arn[0].value, '${aws_iam_role.this.arn}');
  assert.equal(module['versions.tf'].terraform[0].required_providers[0].aws.source, 'hashicorp/aws');
});

test('MFA and external ID become conditions on the central account statement', async () => {
  const module = await parsedModule({ ...base, centralAccountId: '1111-1111-1111', requireMfa: true, externalId: 'b1d9-4f1e' });
  const [central] = trustStatements(module['main.tf']);
  assert.deepEqual(central.condition, [
    { test: 'Bool', variable: 'aws:MultiFactorAuthPresent', values: ['true'] },
    { test: 'StringEquals', variable: 'sts:ExternalId', values: ['${var.external_id}'] },
  ]);
  assert.equal(module['variables.tf'].variable.external_id[0].default, 'b1d9-4f1e');
  assert.equal(module['variables.tf'].variable.central_account_id[0].default, '111111111111', 'console-style dashes are dropped');
});

test('an instance profile comes with a separate, unconditioned EC2 trust statement', async () => {
  const module = await parsedModule({ ...base, requireMfa: true, instanceProfile: true, managedPolicyArns: [] });
  const [central, ec2] = trustStatements(module['main.tf']);
  assert.equal(central.condition.length, 1);
  assert.deepEqual(ec2.principals, [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }]);
  assert.equal(ec2.condition, undefined, 'EC2 cannot present MFA');
  assert.equal(module['main.tf'].resource.aws_iam_instance_profile.this[0].role, '${aws_iam_role.this.name}');
  assert.equal(module['outputs.tf'].output.instance_profile_name[0].value, '${aws_iam_instance_profile.this.name}');
  assert.deepEqual(module['variables.tf'].variable.managed_policy_arns[0].default, []);
});

test('duplicate policy ARNs are attached once', async () => {
  const arn = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';
  const module = await parsedModule({ ...base, managedPolicyArns: [arn, 'arn:aws:iam::222222222222:policy/ListAllMyBuckets', arn] });
  assert.deepEqual(module['variables.tf'].variable.managed_policy_arns[0].default, [
    arn,
    'arn:aws:iam::222222222222:policy/ListAllMyBuckets',
  ]);
});

test('inputs AWS would reject are refused with a code and a sentence naming the problem', () => {
  const rejects = (options: Partial<CrossAccountRoleOptions>, code: string, message: RegExp): void => {
    assert.throws(
      () => scaffoldCrossAccountRole({ ...base, ...options }),
      (error: unknown) => error instanceof UserError && error.code === code && message.test(error.message),
      `${JSON.stringify(options)} should fail with ${code}`,
    );
  };
  rejects({ centralAccountId: '11111111111' }, 'InvalidAccountId', /12 digits: got '11111111111'/);
  rejects({ centralAccountId: '1111111111a1' }, 'InvalidAccountId', /12 digits/);
  rejects({ roleName: '' }, 'InvalidRoleName', /Enter a role name/);
  rejects({ roleName: 'R'.repeat(65) }, 'InvalidRoleName', /at most 64 characters: this one has 65/);
  rejects({ roleName: 'Read Only' }, 'InvalidRoleName', /found ' '/);
  rejects({ roleName: 'team/ReadOnly' }, 'InvalidRoleName', /found '\/'/);
  rejects({ roleName: 'x${var.y}' }, 'InvalidRoleName', /found '\$'/);
  rejects({ managedPolicyArns: ['ReadOnlyAccess'] }, 'InvalidPolicyArn', /'ReadOnlyAccess'/);
  rejects({ managedPolicyArns: ['arn:aws:iam::aws:role/ReadOnlyAccess'] }, 'InvalidPolicyArn', /managed policy ARN/);
  rejects({ externalId: 'x' }, 'InvalidExternalId', /2 to 1224/);
  rejects({ externalId: 'has space' }, 'InvalidExternalId', /2 to 1224/);
});

test('the input-box checks accept what the scaffold accepts', () => {
  assert.equal(accountIdProblem('222222222222'), undefined);
  assert.equal(accountIdProblem('2222 2222 2222'), undefined);
  assert.match(accountIdProblem('2222') ?? '', /12 digits/);
  assert.equal(roleNameProblem('R'.repeat(64)), undefined);
  assert.equal(roleNameProblem('Deploy+CI=ok,.@_-'), undefined);
});

test('generated files are terraform fmt-clean', { skip: !hasTerraform() && 'terraform is not on PATH' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));
  try {
    for (const [i, options] of [
      base,
      { ...base, requireMfa: true, externalId: 'abc-123', instanceProfile: true, managedPolicyArns: [] },
    ].entries()) {
      const moduleDir = path.join(dir, String(i));
      fs.mkdirSync(moduleDir);
      for (const [name, text] of Object.entries(scaffoldCrossAccountRole(options))) {
        fs.writeFileSync(path.join(moduleDir, name), text);
      }
    }
    const env = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' };
    assert.doesNotThrow(() => execFileSync('terraform', ['fmt', '-check', '-recursive', '-no-color', dir], { env, encoding: 'utf8' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function hasTerraform(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
