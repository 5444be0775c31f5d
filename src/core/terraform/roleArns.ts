// Finds the role ARNs a Terraform configuration created, from `terraform output -json` or from a state file,
// so they can become roles in the switcher. Only whole strings that are role ARNs count: instance profiles,
// policies, users, STS session ARNs and ARNs inside JSON documents are left out, and so are roles the state shows
// only AWS services may assume.
import { tryParseRoleArn } from '../aws/arn';
import { UserError } from '../userError';

export interface FoundRoleArns {
  /** Distinct role ARNs, in the order first found. */
  roleArns: string[];
  /** Names of sensitive outputs, which are never read. */
  skippedSensitive: string[];
  /** Roles in the state whose trust policy lets only AWS services in (an EC2 instance role): no person can assume them. */
  skippedServiceRoles: string[];
}

/**
 * The role ARN in `value` when it is one someone can assume (the switcher's strict check), else undefined.
 * Service-linked roles (path `/aws-service-role/`) are left out: only their AWS service may assume them.
 */
export function assumableRoleArn(value: unknown): string | undefined {
  const role = typeof value === 'string' ? tryParseRoleArn(value) : undefined;
  return role && !role.path.startsWith('/aws-service-role/') ? role.arn : undefined;
}

/** Role ARNs in the outputs printed by `terraform output -json`; sensitive outputs are skipped unread. */
export function roleArnsFromOutputs(json: string): FoundRoleArns {
  const outputs = parseJson(json, "the output of 'terraform output -json'");
  if (!isOutputs(outputs)) {
    throw new UserError(
      "This is not the output of 'terraform output -json': expected an object of outputs, each with a value.",
      'InvalidJson',
    );
  }
  return fromOutputs(outputs, [], new Set());
}

/**
 * Role ARNs in a Terraform state file (format version 4, Terraform 0.12 and later): its root outputs, and the
 * `arn` of every managed `aws_iam_role` in any module. Data sources are left out: they read roles that
 * something else manages.
 */
export function roleArnsFromState(json: string): FoundRoleArns {
  const state = parseJson(json, 'a Terraform state file');
  if (!isObject(state) || typeof state.version !== 'number') {
    throw new UserError(
      'This is not a Terraform state file (it has no format version): choose a terraform.tfstate file.',
      'UnsupportedState',
    );
  }
  if ('backend' in state) {
    throw new UserError(
      "This is Terraform's backend settings file (.terraform/terraform.tfstate), not state: choose the state file, or import with 'terraform output -json'.",
      'UnsupportedState',
    );
  }
  if (state.version !== 4) {
    throw new UserError(
      `This state file has format version ${state.version}: upgrade it with Terraform 0.12 or later (format 4) and import again.`,
      'UnsupportedState',
    );
  }
  const fromResources: string[] = [];
  const serviceRoles = new Set<string>();
  for (const resource of asArray(state.resources)) {
    if (isObject(resource) && resource.mode === 'managed' && resource.type === 'aws_iam_role') {
      for (const instance of asArray(resource.instances)) {
        const attributes = isObject(instance) && isObject(instance.attributes) ? instance.attributes : {};
        const arn = assumableRoleArn(attributes.arn);
        if (arn && trustsOnlyServices(attributes.assume_role_policy)) {
          serviceRoles.add(arn);
        } else if (arn) {
          fromResources.push(arn);
        }
      }
    }
  }
  return fromOutputs(isOutputs(state.outputs) ? state.outputs : {}, fromResources, serviceRoles);
}

/**
 * True when a role's trust policy (the state's `assume_role_policy` text) lets only AWS services in: every Allow
 * names a `Service` principal and nothing else, as `ec2.amazonaws.com` for an instance role. Anything unreadable
 * counts as assumable, so a role is never hidden by a guess.
 */
function trustsOnlyServices(policyText: unknown): boolean {
  if (typeof policyText !== 'string') {
    return false;
  }
  let policy: unknown;
  try {
    policy = JSON.parse(policyText);
  } catch {
    return false;
  }
  const statements = isObject(policy) ? (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) : [];
  const allows = statements.filter((s) => isObject(s) && s.Effect === 'Allow') as Record<string, unknown>[];
  return (
    allows.length > 0 &&
    allows.every(
      (s) => isObject(s.Principal) && Object.keys(s.Principal).length > 0 && Object.keys(s.Principal).every((k) => k === 'Service'),
    )
  );
}

/** Adds new ARNs to a list, keeping its order and dropping duplicates. */
export function mergeRoleArns(existing: readonly string[], incoming: readonly string[]): { merged: string[]; added: string[] } {
  const merged = [...new Set(existing)];
  const added = [...new Set(incoming)].filter((arn) => !merged.includes(arn));
  return { merged: [...merged, ...added], added };
}

/** What an import brings: the ARNs not listed yet (to add), and how many of those found were listed already. */
export interface ImportPlan {
  added: string[];
  alreadyListed: number;
}

/**
 * Splits the ARNs Terraform names into new ones and those the role list already shows (from ~/.aws/config, the
 * accounts setting or an earlier import), so an import of roles someone already has adds nothing and says so.
 */
export function planImport(found: readonly string[], listed: Iterable<string>): ImportPlan {
  const known = new Set(listed);
  const distinct = [...new Set(found)];
  const added = distinct.filter((arn) => !known.has(arn));
  return { added, alreadyListed: distinct.length - added.length };
}

/** One sentence on an import's outcome: "Added 1 role …; 2 were already listed." or "All 3 roles were already listed." */
export function importOutcome(plan: ImportPlan, setting: string): string {
  const { added, alreadyListed } = plan;
  if (added.length === 0) {
    return alreadyListed === 1
      ? 'The role from Terraform was already listed.'
      : `All ${alreadyListed} roles from Terraform were already listed.`;
  }
  const roles = `${added.length} role${added.length === 1 ? '' : 's'}`;
  const rest = alreadyListed ? `; ${alreadyListed} ${alreadyListed === 1 ? 'was' : 'were'} already listed` : '';
  return `Added ${roles} from Terraform to the workspace setting ${setting}${rest}.`;
}

type Outputs = Record<string, { value?: unknown; sensitive?: unknown }>;

/** `serviceRoles`: roles only AWS services may assume, left out even when an output names them. */
function fromOutputs(outputs: Outputs, before: string[], serviceRoles: Set<string>): FoundRoleArns {
  const found = [...before];
  const skippedSensitive: string[] = [];
  for (const [name, output] of Object.entries(outputs)) {
    if (output.sensitive === true) {
      skippedSensitive.push(name);
    } else {
      collect(output.value, found, 0);
    }
  }
  const roleArns = [...new Set(found)].filter((arn) => !serviceRoles.has(arn));
  return { roleArns, skippedSensitive, skippedServiceRoles: [...serviceRoles] };
}

// Lists, tuples, maps and objects nest; a depth limit keeps a hostile file from overflowing the stack.
function collect(value: unknown, found: string[], depth: number): void {
  if (depth > 32) {
    return;
  }
  const arn = assumableRoleArn(value);
  if (arn) {
    found.push(arn);
  } else if (Array.isArray(value)) {
    value.forEach((item) => collect(item, found, depth + 1));
  } else if (isObject(value)) {
    Object.values(value).forEach((item) => collect(item, found, depth + 1));
  }
}

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    // Never JSON.parse's own message: it quotes the text around the error, which can be a sensitive output.
    const { line, column } = lineAndColumn(json, jsonErrorOffset(json));
    throw new UserError(
      `Could not read ${what}, it is not valid JSON at line ${line}, column ${column}: fix or regenerate it.`,
      'InvalidJson',
    );
  }
}

/**
 * Where JSON.parse gives up, found without reading its message: the shortest prefix that fails for a reason
 * other than ending too early ends at the bad character. Prefixes fail monotonically, so a binary search works.
 */
function jsonErrorOffset(json: string): number {
  const failsEarly = (length: number): boolean => {
    try {
      JSON.parse(json.slice(0, length));
      return false;
    } catch (error) {
      // Ending too early reads "Unexpected end", or names the position just past the end.
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message)?.[1];
      return !/Unexpected end/.test(message) && (position === undefined || Number(position) < length);
    }
  };
  let low = 1;
  let high = json.length;
  if (!failsEarly(high)) {
    return json.length; // it only ends too early (truncated)
  }
  while (low < high) {
    const mid = (low + high) >> 1;
    if (failsEarly(mid)) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low - 1;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOutputs(value: unknown): value is Outputs {
  return isObject(value) && Object.values(value).every((output) => isObject(output) && 'value' in output);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
