// The AWS calls Vault's AWS secrets engine makes, through the real SDK clients against the configured
// (local) IAM and STS endpoints, with AWS errors rendered the way aws-sdk-go prints them.
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  AddUserToGroupCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { VaultError } from './http';

export interface RootConfig {
  access_key: string;
  secret_key: string;
  region: string;
  iam_endpoint: string;
  sts_endpoint: string;
  max_retries: number;
}

export interface IssuedKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  arn?: string;
}

export class AwsClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;

  constructor(config: RootConfig) {
    // Never let a test Vault fall through to real AWS endpoints.
    if (!config.iam_endpoint || !config.sts_endpoint) {
      throw new VaultError(400, ['local test Vault: aws/config/root needs iam_endpoint and sts_endpoint']);
    }
    const common = {
      region: config.region || 'us-east-1',
      credentials: { accessKeyId: config.access_key, secretAccessKey: config.secret_key },
      maxAttempts: config.max_retries >= 0 ? config.max_retries + 1 : 3,
    };
    this.iam = new IAMClient({ ...common, endpoint: config.iam_endpoint });
    this.sts = new STSClient({ ...common, endpoint: config.sts_endpoint });
  }
}

/** "Code: message\n\tstatus code: 403, request id: …", aws-sdk-go's awserr.RequestFailure string. */
export function describeAwsError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const status = e.$metadata?.httpStatusCode;
  if (!status) return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
  return `${e.name}: ${e.message}\n\tstatus code: ${status}, request id: ${e.$metadata?.requestId ?? ''}`;
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** Vault answers a failed AWS call with 400 "<what>: <aws error>", or 502 when AWS throttled it. */
export function awsFailure(what: string, err: unknown): VaultError {
  const name = (err as { name?: string }).name ?? '';
  return new VaultError(THROTTLING.has(name) ? 502 : 400, [`${what}: ${describeAwsError(err)}`]);
}

export interface NewUser {
  userName: string;
  path: string;
  policyName: string;
  policyArns: string[];
  policyDocument: string;
  groups: string[];
  tags: Record<string, string>;
  permissionsBoundaryArn: string;
}

/** secretAccessKeysCreate: create the user, give it its policies, create its keys; undo the user on failure. */
export async function createIamUser(clients: AwsClients, user: NewUser): Promise<IssuedKeys> {
  const { iam } = clients;
  try {
    await iam.send(
      new CreateUserCommand({
        UserName: user.userName,
        Path: user.path || undefined,
        PermissionsBoundary: user.permissionsBoundaryArn || undefined,
        Tags: Object.entries(user.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  } catch (err) {
    throw awsFailure('Error creating IAM user', err);
  }
  try {
    for (const group of user.groups) {
      await step('Error adding user to group', () => iam.send(new AddUserToGroupCommand({ UserName: user.userName, GroupName: group })));
    }
    for (const arn of user.policyArns) {
      await step('Error attaching user policy', () => iam.send(new AttachUserPolicyCommand({ UserName: user.userName, PolicyArn: arn })));
    }
    if (user.policyDocument) {
      await step('Error putting user policy', () =>
        iam.send(new PutUserPolicyCommand({ UserName: user.userName, PolicyName: user.policyName, PolicyDocument: user.policyDocument })),
      );
    }
    const created = await step('Error creating access keys', () => iam.send(new CreateAccessKeyCommand({ UserName: user.userName })));
    return { accessKeyId: created.AccessKey!.AccessKeyId!, secretAccessKey: created.AccessKey!.SecretAccessKey! };
  } catch (err) {
    // Real Vault leaves a WAL entry and rolls the user back later; here the rollback happens at once.
    await deleteIamUser(clients, user.userName).catch(() => undefined);
    throw err;
  }
}

async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw awsFailure(what, err);
  }
}

/** The iam_user revoke callback: groups, managed and inline policies, keys, then the user. */
export async function deleteIamUser(clients: AwsClients, userName: string): Promise<void> {
  const { iam } = clients;
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: userName }));
  for (const group of groups.Groups ?? []) {
    await iam.send(new RemoveUserFromGroupCommand({ UserName: userName, GroupName: group.GroupName }));
  }
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
  for (const policy of attached.AttachedPolicies ?? []) {
    await iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policy.PolicyArn }));
  }
  const inline = await iam.send(new ListUserPoliciesCommand({ UserName: userName }));
  for (const name of inline.PolicyNames ?? []) await iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: name }));
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  for (const key of keys.AccessKeyMetadata ?? []) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }));
  }
  await iam.send(new DeleteUserCommand({ UserName: userName }));
}

export async function assumeRole(
  clients: AwsClients,
  input: { roleArn: string; sessionName: string; durationSeconds: number; policy: string; policyArns: string[] },
): Promise<IssuedKeys> {
  try {
    const out = await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: input.roleArn,
        RoleSessionName: input.sessionName,
        DurationSeconds: input.durationSeconds,
        Policy: input.policy || undefined,
        PolicyArns: input.policyArns.length ? input.policyArns.map((arn) => ({ arn })) : undefined,
      }),
    );
    return { ...sessionKeys(out.Credentials), arn: out.AssumedRoleUser?.Arn };
  } catch (err) {
    throw awsFailure('Error assuming role', err);
  }
}

export async function getFederationToken(
  clients: AwsClients,
  input: { name: string; durationSeconds: number; policy: string; policyArns: string[] },
): Promise<IssuedKeys> {
  try {
    const out = await clients.sts.send(
      new GetFederationTokenCommand({
        Name: input.name,
        DurationSeconds: input.durationSeconds,
        Policy: input.policy || undefined,
        PolicyArns: input.policyArns.length ? input.policyArns.map((arn) => ({ arn })) : undefined,
      }),
    );
    return sessionKeys(out.Credentials);
  } catch (err) {
    throw awsFailure('Error generating STS keys', err);
  }
}

/** session_token (Vault >= 1.16): GetSessionToken with Vault's own keys, and the role's MFA device when it has one. */
export async function getSessionToken(
  clients: AwsClients,
  input: { durationSeconds: number; serialNumber: string; tokenCode: string },
): Promise<IssuedKeys> {
  try {
    const out = await clients.sts.send(
      new GetSessionTokenCommand({
        DurationSeconds: input.durationSeconds,
        SerialNumber: input.serialNumber || undefined,
        TokenCode: input.tokenCode || undefined,
      }),
    );
    return sessionKeys(out.Credentials);
  } catch (err) {
    throw awsFailure('Error generating STS keys', err);
  }
}

/** Static roles: the adopted user must exist (validateIAMUserExists). */
export async function requireIamUser(clients: AwsClients, userName: string): Promise<void> {
  try {
    await clients.iam.send(new GetUserCommand({ UserName: userName }));
  } catch (err) {
    throw new VaultError(500, [`1 error occurred:\n\t* unable to validate username "${userName}": ${describeAwsError(err)}\n\n`]);
  }
}

/**
 * rotation.go createCredential: a user holds at most two keys, so when it already has two the oldest is deleted;
 * then a new key is created. Nothing else is deleted: the key the role served until now keeps working until the
 * next rotation deletes it (website/content/api-docs/secret/aws.mdx, static roles).
 */
export async function rotateAccessKey(clients: AwsClients, userName: string): Promise<IssuedKeys> {
  const { iam } = clients;
  const listed = await step('Error listing access keys', () => iam.send(new ListAccessKeysCommand({ UserName: userName })));
  const keys = (listed.AccessKeyMetadata ?? []).sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
  if (keys.length >= 2) {
    await step('Error deleting access key', () =>
      iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: keys[0].AccessKeyId })),
    );
  }
  const created = await step('Error creating access keys', () => iam.send(new CreateAccessKeyCommand({ UserName: userName })));
  return { accessKeyId: created.AccessKey!.AccessKeyId!, secretAccessKey: created.AccessKey!.SecretAccessKey! };
}

function sessionKeys(
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
): IssuedKeys {
  return {
    accessKeyId: credentials?.AccessKeyId ?? '',
    secretAccessKey: credentials?.SecretAccessKey ?? '',
    sessionToken: credentials?.SessionToken,
    expiration: credentials?.Expiration,
  };
}
