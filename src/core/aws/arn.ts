// Role ARNs and account ids: parsed and checked here, once, so a typo in a setting or a profile becomes one
// clear sentence instead of a ValidationError from STS.
import { UserError } from '../userError';

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

export interface RoleArn {
  arn: string;
  partition: Partition;
  accountId: string;
  /** The IAM path, `/` when none. */
  path: string;
  name: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// IAM role names: 1-64 of [\w+=,.@-]; paths: `/` or `/segment/.../`. The partitions and the 12 digits are in the
// expression itself, so that one match decides (20,000 profiles each have a role ARN to check).
const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** The console shows account ids as `2222-2222-2222`: dashes and spaces are dropped wherever one is typed. */
export function normalizeAccountId(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/** The sentence to show for a typed account id, or undefined when it is one (dashes allowed). */
export function accountIdProblem(value: string): string | undefined {
  return isAccountId(normalizeAccountId(value)) ? undefined : `An AWS account id is 12 digits: got '${value}'`;
}

const ROLE_NAME_CHARS = /[\w+=,.@-]/;

/** IAM's rules for role names: 1–64 characters from letters, digits and `+=,.@_-`. */
export function roleNameProblem(value: string): string | undefined {
  if (value.length === 0) {
    return 'Enter a role name';
  }
  if (value.length > 64) {
    return `A role name has at most 64 characters: this one has ${value.length}`;
  }
  const bad = [...value].find((char) => !ROLE_NAME_CHARS.test(char));
  return bad === undefined ? undefined : `A role name may contain only letters, digits and + = , . @ _ -: found '${bad}'`;
}

/** The account id itself, or a UserError naming the bad value. */
export function checkAccountId(value: string, where = 'account id'): string {
  const trimmed = normalizeAccountId(value);
  if (!isAccountId(trimmed)) {
    throw new UserError(
      `The ${where} '${value}' is not a 12-digit AWS account id: fix it in your settings or ~/.aws/config.`,
      'InvalidAccountId',
    );
  }
  return trimmed;
}

/** Parses `arn:<partition>:iam::<12 digits>:role[/path/]<name>`, or undefined when it is not one. */
export function tryParseRoleArn(value: string): RoleArn | undefined {
  const arn = value.trim();
  // test(), then the parts cut where the expression puts them: exec()'s match array and strings, for each of 20,000
  // role profiles, were a tenth of what loading them allocated.
  if (!ROLE_ARN.test(arn)) {
    return undefined;
  }
  // `arn:aws:`, `arn:aws-cn:` or `arn:aws-us-gov:`
  const partition: Partition = arn[7] === ':' ? 'aws' : arn[8] === 'c' ? 'aws-cn' : 'aws-us-gov';
  const accountStart = 'arn:'.length + partition.length + ':iam::'.length;
  const pathStart = accountStart + 12 + ':role'.length;
  const lastSlash = arn.lastIndexOf('/');
  return {
    arn,
    partition,
    accountId: arn.substring(accountStart, accountStart + 12),
    path: arn.substring(pathStart, lastSlash + 1),
    name: arn.substring(lastSlash + 1),
  };
}

/** Like tryParseRoleArn, but a UserError naming the bad value (and the account id when that is the problem). */
export function parseRoleArn(value: string, where = 'role ARN'): RoleArn {
  const parsed = tryParseRoleArn(value);
  if (parsed) {
    return parsed;
  }
  const account = /^arn:[a-z-]+:iam::([^:]*):role\//.exec(value.trim())?.[1];
  if (account !== undefined && !isAccountId(account)) {
    throw new UserError(
      `The ${where} '${value}' has the account id '${account}', which is not 12 digits: fix it in your settings or ~/.aws/config.`,
      'InvalidAccountId',
    );
  }
  throw new UserError(
    `The ${where} '${value}' is not a role ARN (arn:aws:iam::<12-digit account>:role/<name>): fix it in your settings or ~/.aws/config.`,
    'InvalidRoleArn',
  );
}

export function roleArn(accountId: string, name: string, partition: Partition = 'aws'): string {
  checkAccountId(accountId);
  const arn = `arn:${partition}:iam::${accountId}:role/${name.replace(/^\/+/, '')}`;
  return parseRoleArn(arn).arn;
}

/** The partition a region belongs to. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('us-gov-')) {
    return 'aws-us-gov';
  }
  return region.startsWith('cn-') ? 'aws-cn' : 'aws';
}

/**
 * The last name in a caller ARN: `user/path/alice` → alice, `assumed-role/ReadOnly/alice` → alice, which is
 * what identifies the person behind a session.
 */
export function callerName(arn: string): string | undefined {
  const resource = /^arn:[a-z-]+:(?:iam|sts)::\d{12}:(.+)$/.exec(arn)?.[1];
  if (!resource || resource === 'root') {
    return undefined;
  }
  const parts = resource.split('/');
  return parts.length > 1 ? parts[parts.length - 1] : undefined;
}

/**
 * The ARN line of an IAM Identity Center role. Identity Center creates the role in the account as
 * `AWSReservedSSO_<permission set>_<16 hex>` under /aws-reserved/sso.amazonaws.com/ (a path that may hold the
 * region too): the suffix is known only from a session of that role (`sessionArn`, its assumed-role ARN), so
 * before that the line shows what is known and says so; the path is never guessed.
 */
export function ssoRoleArnLine(partition: Partition, accountId: string, permissionSet: string, sessionArn?: string): string {
  const reserved = `AWSReservedSSO_${permissionSet}_`;
  const assumed = /^arn:[a-z-]+:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\//.exec(sessionArn ?? '');
  const name = assumed && assumed[1] === accountId && assumed[2].startsWith(reserved) ? assumed[2] : undefined;
  const arn = `arn:${partition}:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/…/${name ?? `${reserved}…`}`;
  return name ? `\`${arn}\`` : `\`${arn}\` (its full name is known once you assume it)`;
}
