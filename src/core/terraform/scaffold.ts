// Writes a small Terraform module for a cross-account role: the member account's role that people in the
// central account assume (the seed's step 1), with managed policies, optional MFA and external ID
// conditions, and optionally an instance profile.
import { accountIdProblem, normalizeAccountId, roleNameProblem } from '../aws/arn';

export { accountIdProblem, normalizeAccountId, roleNameProblem };
import { UserError } from '../userError';

export interface CrossAccountRoleOptions {
  /** 12-digit id of the central account whose users assume the role; dashes and spaces are ignored. */
  centralAccountId: string;
  roleName: string;
  managedPolicyArns: readonly string[];
  requireMfa: boolean;
  /** When set, the trust policy requires this sts:ExternalId. */
  externalId?: string;
  /** Also create an instance profile (and let EC2 assume the role, or the profile would be useless). */
  instanceProfile: boolean;
}

type ModuleFileName = 'main.tf' | 'variables.tf' | 'outputs.tf' | 'versions.tf';
export type ModuleFiles = Record<ModuleFileName, string>;
export const MODULE_FILE_NAMES: readonly ModuleFileName[] = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'];

/** AWS managed policies people attach to cross-account roles most often. */
export const COMMON_MANAGED_POLICIES: readonly { name: string; arn: string; detail: string }[] = [
  { name: 'ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', detail: 'Read everything, change nothing' },
  {
    name: 'ViewOnlyAccess',
    arn: 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    detail: 'List and describe resources, no data reads',
  },
  { name: 'SecurityAudit', arn: 'arn:aws:iam::aws:policy/SecurityAudit', detail: 'Read security configuration' },
  { name: 'PowerUserAccess', arn: 'arn:aws:iam::aws:policy/PowerUserAccess', detail: 'Everything except IAM and Organizations' },
  { name: 'AmazonS3FullAccess', arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', detail: 'All of S3' },
  { name: 'AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess', detail: 'Everything' },
];

const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The account id without the dashes the console shows, e.g. `1111-1111-1111` → `111111111111`. */
// The *Problem functions return the sentence to show, or undefined when the value is fine; they serve both
// the input boxes' validateInput and the scaffold itself.

export function policyArnProblem(value: string): string | undefined {
  return POLICY_ARN.test(value)
    ? undefined
    : `Not a managed policy ARN (arn:aws:iam::aws:policy/Name or arn:aws:iam::<account>:policy/Name): '${value}'`;
}

export function externalIdProblem(value: string): string | undefined {
  return EXTERNAL_ID.test(value) ? undefined : 'An external ID is 2 to 1224 characters from letters, digits and + = , . @ : / _ -';
}

/** The module's four files; throws a UserError (code InvalidAccountId, InvalidRoleName…) for an input AWS would reject. */
export function scaffoldCrossAccountRole(options: CrossAccountRoleOptions): ModuleFiles {
  const valid = validated(options);
  return {
    'main.tf': mainTf(valid),
    'variables.tf': variablesTf(valid),
    'outputs.tf': outputsTf(valid),
    'versions.tf': VERSIONS_TF,
  };
}

function validated(options: CrossAccountRoleOptions): CrossAccountRoleOptions {
  const fail = (code: string, problem: string | undefined): void => {
    if (problem) {
      throw new UserError(`${problem}.`, code);
    }
  };
  fail('InvalidAccountId', accountIdProblem(options.centralAccountId));
  fail('InvalidRoleName', roleNameProblem(options.roleName));
  options.managedPolicyArns.forEach((arn) => fail('InvalidPolicyArn', policyArnProblem(arn)));
  if (options.externalId !== undefined) {
    fail('InvalidExternalId', externalIdProblem(options.externalId));
  }
  return {
    ...options,
    centralAccountId: normalizeAccountId(options.centralAccountId),
    managedPolicyArns: [...new Set(options.managedPolicyArns)],
  };
}

/** A quoted HCL string; `${` and `%{` are escaped so a value can never become an interpolation. */
function hclString(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

function mainTf(options: CrossAccountRoleOptions): string {
  const conditions = [
    options.requireMfa && condition('Bool', 'aws:MultiFactorAuthPresent', '["true"]'),
    options.externalId !== undefined && condition('StringEquals', 'sts:ExternalId', '[var.external_id]'),
  ].filter((c): c is string => typeof c === 'string');
  const ec2Statement = `
  # The instance profile needs EC2 to be able to assume the role too, without the conditions above.
  statement {
    sid     = "TrustEc2"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
`;
  const instanceProfile = `
resource "aws_iam_instance_profile" "this" {
  name = aws_iam_role.this.name
  role = aws_iam_role.this.name
  tags = var.tags
}
`;
  return `# A role in this (member) account that IAM users of the central account assume with sts:AssumeRole.
data "aws_partition" "current" {}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "TrustCentralAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:\${data.aws_partition.current.partition}:iam::\${var.central_account_id}:root"]
    }
${conditions.join('')}  }
${options.instanceProfile ? ec2Statement : ''}}

resource "aws_iam_role" "this" {
  name                 = var.role_name
  description          = "Assumed from the central account \${var.central_account_id}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.this.name
  policy_arn = each.value
}
${options.instanceProfile ? instanceProfile : ''}`;
}

function condition(test: string, variable: string, values: string): string {
  return `
    condition {
      test     = "${test}"
      variable = "${variable}"
      values   = ${values}
    }
`;
}

function variablesTf(options: CrossAccountRoleOptions): string {
  // terraform fmt aligns `=` only across single-line attributes, so a multi-line list gets a single space.
  const policies =
    options.managedPolicyArns.length === 0
      ? '     = []'
      : ` = [\n${options.managedPolicyArns.map((arn) => `    ${hclString(arn)},\n`).join('')}  ]`;
  const externalId = `
variable "external_id" {
  description = "External ID the central account must pass when it assumes the role"
  type        = string
  default     = ${hclString(options.externalId ?? '')}
}
`;
  return `variable "central_account_id" {
  description = "Id of the central account whose IAM users assume this role"
  type        = string
  default     = ${hclString(options.centralAccountId)}

  validation {
    condition     = can(regex("^[0-9]{12}$", var.central_account_id))
    error_message = "The central account id must be 12 digits."
  }
}

variable "role_name" {
  description = "Name of the role in this account"
  type        = string
  default     = ${hclString(options.roleName)}
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the role"
  type        = list(string)
  default${policies}
}

variable "max_session_duration" {
  description = "Longest session, in seconds, that assuming the role can ask for"
  type        = number
  default     = 3600
}
${options.externalId !== undefined ? externalId : ''}
variable "tags" {
  description = "Tags for every resource in this module"
  type        = map(string)
  default     = {}
}
`;
}

function outputsTf(options: CrossAccountRoleOptions): string {
  const instanceProfile = `
output "instance_profile_name" {
  description = "Instance profile to set as iam_instance_profile on an aws_instance"
  value       = aws_iam_instance_profile.this.name
}
`;
  return `output "role_arn" {
  description = "ARN to assume from the central account (IAM Switchboard imports it from the outputs)"
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role"
  value       = aws_iam_role.this.name
}
${options.instanceProfile ? instanceProfile : ''}`;
}

const VERSIONS_TF = `terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
`;
