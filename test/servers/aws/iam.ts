// IAM actions: reading roles, users, groups and their policies in the caller's account (allowed when the caller's
// own identity policies allow it), and the user/key/policy management a Vault AWS secrets engine performs
// (allowed only to users marked iamAdmin in the world).
import { type ActionContext, type ActionHandler, integerParam, listParam, nameParam, requiredParam } from './actions';
import { AwsError, accessDenied, constraintError, noSuchEntity } from './errors';
import { type AccessKeyRecord, type Tag, type UserRecord, callerAccount, callerArn, callerUser } from './identities';
import { evaluate } from './policy';
import {
  WORLD_CREATE_DATE,
  type PolicyDocument,
  type WorldGroup,
  type WorldManagedPolicy,
  type WorldRole,
  findGroup,
  findManagedPolicy,
  roleArn,
  uniqueId,
  userArn,
} from './world';
import { el, escapeXml, isoSeconds, leaf, members } from './xml';

const USER_NAME = /^[\w+=,.@-]+$/;

function roleXml(accountId: string, role: WorldRole): string {
  const arn = roleArn(accountId, role.name, role.path);
  return [
    leaf('Path', role.path ?? '/'),
    leaf('RoleName', role.name),
    leaf('RoleId', uniqueId('AROA', arn)),
    leaf('Arn', arn),
    leaf('CreateDate', isoSeconds(WORLD_CREATE_DATE.getTime())),
    leaf('AssumeRolePolicyDocument', encodeURIComponent(JSON.stringify(role.trustPolicy))),
    leaf('Description', role.description),
    leaf('MaxSessionDuration', role.maxSessionDuration ?? 3600),
  ].join('');
}

function userXml(user: UserRecord): string {
  return [
    leaf('Path', user.path),
    leaf('UserName', user.name),
    leaf('UserId', user.userId),
    leaf('Arn', user.arn),
    leaf('CreateDate', isoSeconds(user.createDate)),
    user.permissionsBoundary
      ? el(
          'PermissionsBoundary',
          leaf('PermissionsBoundaryType', 'PermissionsBoundaryPolicy'),
          leaf('PermissionsBoundaryArn', user.permissionsBoundary),
        )
      : undefined,
    user.tags.length > 0 ? el('Tags', members(user.tags.map((t) => leaf('Key', t.Key) + leaf('Value', t.Value)))) : undefined,
  ].join('');
}

function rolesOfCaller({ caller, world }: ActionContext): WorldRole[] {
  const account = world.accounts.find((a) => a.id === callerAccount(caller));
  return account?.roles ?? [];
}

/** Markers are opaque to clients; this one names the first item of the next page. */
const encodeMarker = (key: string): string => Buffer.from(JSON.stringify({ next: key })).toString('base64');

function decodeMarker(marker: string): string {
  try {
    const next = (JSON.parse(Buffer.from(marker, 'base64').toString('utf8')) as { next?: unknown }).next;
    if (typeof next === 'string') return next;
  } catch {
    // fall through to AWS's error
  }
  throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
}

/** One page of a Marker/MaxItems list, and the XML of IsTruncated and Marker that follows the list in the result. */
function pageOf<T>(items: T[], keyOf: (item: T) => string, params: URLSearchParams): { page: T[]; tail: string } {
  const maxItems = integerParam(params, 'MaxItems', 100, 1, 1000);
  const marker = params.get('Marker');
  const start = marker === null ? 0 : items.findIndex((item) => keyOf(item) === decodeMarker(marker));
  if (start < 0) throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
  const next = items[start + maxItems];
  const tail = leaf('IsTruncated', next !== undefined) + (next !== undefined ? leaf('Marker', encodeMarker(keyOf(next))) : '');
  return { page: items.slice(start, start + maxItems), tail };
}

const listRoles: ActionHandler = (context) => {
  const account = callerAccount(context.caller);
  authorizeRoleListing(context, 'ListRoles', { arn: `arn:aws:iam::${account}:role/`, shown: `arn:aws:iam::${account}:role/` });
  const prefix = context.params.get('PathPrefix') ?? '/';
  const roles = rolesOfCaller(context)
    .filter((r) => (r.path ?? '/').startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, tail } = pageOf(roles, (r) => r.name, context.params);
  return el('Roles', members(page.map((r) => roleXml(account, r)))) + tail;
};

const getRole: ActionHandler = (context) => {
  const name = nameParam(context.params, 'RoleName', 1, 64);
  const arn = roleArn(callerAccount(context.caller), name);
  authorizeRoleListing(context, 'GetRole', { arn, shown: arn });
  const role = rolesOfCaller(context).find((r) => r.name === name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return el('Role', roleXml(callerAccount(context.caller), role));
};

/** Role tags live with the server (in memory), keyed by the world's role. */
const roleTags = new WeakMap<WorldRole, Tag[]>();

/**
 * The role a role-tag action is about. IAM checks the permission before it looks the role up (a caller that may
 * not tag learns nothing); the refusal names the role's ARN as AWS does for role resources.
 */
function targetRole(context: ActionContext, action: string, check: 'read' | 'write'): WorldRole {
  const name = nameParam(context.params, 'RoleName', 1, 64);
  const found = rolesOfCaller(context).find((r) => r.name === name);
  const arn = roleArn(callerAccount(context.caller), name, found?.path);
  if (check === 'read') authorizeRead(context, action, { arn, shown: arn });
  else authorizeWrite(context, action, arn);
  if (!found) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return found;
}

/**
 * Writes by roles (TagRole, UntagRole): allowed when the role's policies allow them and its session policies do
 * too, so a read-only session of a role that may write is refused here, as AWS refuses it.
 */
function authorizeWrite(context: ActionContext, action: string, arn: string): void {
  const why = refusal(context, action, arn);
  if (why) throw denied(context, action, arn, why);
}

/** TagRole: at most 50 tags per role, keys 1-128 and values 0-256 characters (botocore iam model, tagListType). */
const tagRole: ActionHandler = (context) => {
  const role = targetRole(context, 'TagRole', 'write');
  const tags = listParam(context.params, 'Tags').map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  if (tags.length === 0) throw constraintError(undefined, 'tags', 'Member must not be null');
  const merged = new Map((roleTags.get(role) ?? []).map((t) => [t.Key, t]));
  for (const tag of tags) merged.set(tag.Key, tag);
  if (merged.size > 50) throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50');
  roleTags.set(role, [...merged.values()]);
  return undefined;
};

const untagRole: ActionHandler = (context) => {
  const role = targetRole(context, 'UntagRole', 'write');
  const keys = new Set(Object.values(Object.fromEntries([...context.params].filter(([k]) => k.startsWith('TagKeys.member.')))));
  roleTags.set(
    role,
    (roleTags.get(role) ?? []).filter((t) => !keys.has(t.Key)),
  );
  return undefined;
};

const listRoleTags: ActionHandler = (context) => {
  const role = targetRole(context, 'ListRoleTags', 'read');
  const tags = roleTags.get(role) ?? [];
  return el('Tags', members(tags.map((t) => leaf('Key', t.Key) + leaf('Value', t.Value)))) + leaf('IsTruncated', false);
};

/** The user an action is about: UserName if given, else the calling user (as IAM does). */
function targetUser({ caller, params, identities }: ActionContext): UserRecord {
  const name = params.get('UserName');
  if (name === null) {
    const self = callerUser(caller);
    if (!self || (caller.kind === 'session' && caller.session.kind !== 'session-token')) {
      throw new AwsError(400, 'ValidationError', 'Must specify userName when calling with non-User credentials');
    }
    return self;
  }
  const user = identities.getUser(callerAccount(caller), name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

/** Only world users marked iamAdmin manage users. */
function authorize({ caller }: ActionContext, action: string, target: { arn: string } | UserRecord): void {
  const self = callerUser(caller);
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  if (usesUserKeys && self?.iamAdmin) return;
  throw accessDenied(callerArn(caller), `iam:${action}`, target.arn);
}

function managedDocuments(context: ActionContext, arns: Iterable<string>): PolicyDocument[] {
  return [...arns].flatMap((arn) => findManagedPolicy(context.world, arn)?.document ?? []);
}

/** The identity-based policies that apply to the caller: a user's own and its groups', or an assumed role's. */
export function callerPolicies(context: ActionContext): PolicyDocument[] {
  const { caller, world } = context;
  if (caller.kind === 'session' && caller.session.kind === 'assumed-role') {
    return managedDocuments(context, caller.session.role?.role.policyArns ?? []);
  }
  const user = callerUser(caller);
  if (!user || (caller.kind === 'session' && caller.session.kind !== 'session-token')) return [];
  const groups = [...user.groups].flatMap((name) => findGroup(world, user.account, name) ?? []);
  return [
    ...[...user.inlinePolicies.values()].flatMap((text) => parseDocument(text) ?? []),
    ...managedDocuments(context, user.attachedPolicies),
    ...groups.flatMap((g) => Object.values(g.inlinePolicies ?? {})),
    ...groups.flatMap((g) => managedDocuments(context, g.managedPolicyArns ?? [])),
  ];
}

function parseDocument(text: string): PolicyDocument | undefined {
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    return undefined;
  }
}

/** The caller's session policies, when its AssumeRole was given any (undefined: nothing narrows it). */
export function callerSessionPolicies({ caller }: ActionContext): PolicyDocument[] | undefined {
  return caller.kind === 'session' ? caller.session.sessionPolicies : undefined;
}

/**
 * Why IAM refuses, in AWS's wording, which names the kind of policy: an identity-based policy or a session policy
 * (IAM User Guide, "Troubleshoot access denied error messages"). Undefined when both allow.
 */
function refusal(context: ActionContext, action: string, resource: string, identityChecked = true): string | undefined {
  const { caller } = context;
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  const request = {
    action: `iam:${action}`,
    resource,
    userName: usesUserKeys ? callerUser(caller)?.name : undefined,
    mfa: mfaPresent(context),
  };
  const session = callerSessionPolicies(context);
  const own = identityChecked ? evaluate(callerPolicies(context), request) : 'allow';
  const narrowed = session ? evaluate(session, request) : 'allow';
  if (own === 'explicitDeny') return 'with an explicit deny in an identity-based policy';
  if (narrowed === 'explicitDeny') return 'with an explicit deny in a session policy';
  if (own !== 'allow') return `because no identity-based policy allows the iam:${action} action`;
  if (narrowed !== 'allow') return `because no session policy allows the iam:${action} action`;
  return undefined;
}

/** aws:MultiFactorAuthPresent for the caller: absent for a long-term key, else whether its session had MFA. */
export function mfaPresent({ caller }: ActionContext): boolean | undefined {
  return caller.kind === 'user' ? undefined : caller.session.mfa;
}

function denied(context: ActionContext, action: string, shown: string, why: string): AwsError {
  return new AwsError(
    403,
    'AccessDenied',
    `User: ${callerArn(context.caller)} is not authorized to perform: iam:${action} on resource: ${shown} ${why}`,
  );
}

/**
 * Read actions are allowed when the caller's identity policies allow them on the resource, and its session
 * policies too when it has any, with AWS's wording for the refusal ("on resource: user alice", "group Developers",
 * "policy arn:…").
 */
function authorizeRead(context: ActionContext, action: string, resource: { arn: string; shown: string }): void {
  const { caller } = context;
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  if (usesUserKeys && callerUser(caller)?.iamAdmin) return;
  const why = refusal(context, action, resource.arn);
  if (why) throw denied(context, action, resource.shown, why);
}

/**
 * ListRoles and GetRole: the world lets every identity see its account's roles (no identity policy is asked), but
 * a session policy still narrows them, as it does every action of the session.
 */
function authorizeRoleListing(context: ActionContext, action: string, resource: { arn: string; shown: string }): void {
  const why = refusal(context, action, resource.arn, false);
  if (why) throw denied(context, action, resource.shown, why);
}

const userResource = (user: UserRecord) => ({ arn: user.arn, shown: `user ${user.name}` });

const getUser: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeRead(context, 'GetUser', userResource(user));
  return el('User', userXml(user));
};

const createUser: ActionHandler = (context) => {
  const { params, identities, caller } = context;
  const name = nameParam(params, 'UserName', 1, 64, USER_NAME);
  const path = params.get('Path') ?? '/';
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) {
    throw new AwsError(
      400,
      'ValidationError',
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  }
  const account = callerAccount(caller);
  authorize(context, 'CreateUser', { arn: userArn(account, name, path) });
  if (identities.getUser(account, name)) throw new AwsError(409, 'EntityAlreadyExists', `User with name ${name} already exists.`);
  const user = identities.addUser(account, name, path);
  user.tags = listParam(params, 'Tags').map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  user.permissionsBoundary = params.get('PermissionsBoundary') ?? undefined;
  return el('User', userXml(user));
};

const deleteUser: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'DeleteUser', user);
  const conflict = (what: string) => new AwsError(409, 'DeleteConflict', `Cannot delete entity, must ${what} first.`);
  if (context.identities.accessKeysOf(user).length > 0) throw conflict('delete access keys');
  if (user.attachedPolicies.size > 0) throw conflict('detach all policies');
  if (user.inlinePolicies.size > 0) throw conflict('delete policies');
  if (user.groups.size > 0) throw conflict('remove users from group');
  if (user.mfaDevices.length > 0) throw conflict('delete MFA devices');
  context.identities.deleteUser(user);
  return undefined;
};

/**
 * The access-key actions: an iamAdmin user (the Vault engine's) may manage anyone's keys, others what their identity
 * policies allow on the user, e.g. their own keys through arn:aws:iam::*:user/${aws:username}, perhaps only with
 * MFA (aws:MultiFactorAuthPresent). Refusals name the resource as "user <name>", as IAM does.
 */
function authorizeKeys(context: ActionContext, action: string, user: UserRecord): void {
  const { caller } = context;
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  if (usesUserKeys && callerUser(caller)?.iamAdmin) return;
  const why = refusal(context, action, user.arn);
  if (why) throw denied(context, action, `user ${user.name}`, why);
}

/** AccessKeyId: 16-128 characters of \w (botocore iam 2010-05-08, accessKeyIdType). */
const accessKeyIdParam = (params: URLSearchParams): string => nameParam(params, 'AccessKeyId', 16, 128, /^[\w]+$/);

/** The user's own key by id, or AWS's NoSuchEntity (404) for a key that is not theirs or no longer exists. */
function keyOf(context: ActionContext, user: UserRecord, id: string): AccessKeyRecord {
  const key = context.identities.accessKeysOf(user).find((k) => k.accessKeyId === id);
  if (!key) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  return key;
}

/**
 * CreateAccessKey (botocore iam 2010-05-08: CreateAccessKeyResponse.AccessKey = UserName, AccessKeyId, Status,
 * SecretAccessKey, CreateDate; errors NoSuchEntity 404, LimitExceeded 409). Two keys per user at most; a new key
 * works only after keyPropagationMs (identities.ts), as AWS's own is refused for a few seconds.
 */
const createAccessKey: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeKeys(context, 'CreateAccessKey', user);
  if (context.identities.accessKeysOf(user).length >= 2) {
    throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
  }
  const key = context.identities.createAccessKey(user);
  return el(
    'AccessKey',
    leaf('UserName', user.name),
    leaf('AccessKeyId', key.accessKeyId),
    leaf('Status', key.status),
    leaf('SecretAccessKey', key.secretAccessKey),
    leaf('CreateDate', isoSeconds(key.createDate)),
  );
};

/** DeleteAccessKey (errors NoSuchEntity 404, LimitExceeded 409): the key is refused from the next request on. */
const deleteAccessKey: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeKeys(context, 'DeleteAccessKey', user);
  const key = keyOf(context, user, accessKeyIdParam(context.params));
  context.identities.deleteAccessKey(key.accessKeyId);
  return undefined;
};

/** UpdateAccessKey: Status is statusType, Active or Inactive (errors NoSuchEntity 404, LimitExceeded 409). */
const updateAccessKey: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeKeys(context, 'UpdateAccessKey', user);
  const id = accessKeyIdParam(context.params);
  const status = requiredParam(context.params, 'Status');
  if (status !== 'Active' && status !== 'Inactive') {
    throw constraintError(status, 'status', 'Member must satisfy enum value set: [Active, Inactive]');
  }
  keyOf(context, user, id).status = status;
  return undefined;
};

/** ListAccessKeys: AccessKeyMetadata (UserName, AccessKeyId, Status, CreateDate), IsTruncated, Marker. */
const listAccessKeys: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeKeys(context, 'ListAccessKeys', user);
  const { page, tail } = pageOf(context.identities.accessKeysOf(user), (k) => k.accessKeyId, context.params);
  const keys = page.map(
    (k) =>
      leaf('UserName', user.name) +
      leaf('AccessKeyId', k.accessKeyId) +
      leaf('Status', k.status) +
      leaf('CreateDate', isoSeconds(k.createDate)),
  );
  return el('AccessKeyMetadata', members(keys)) + tail;
};

/**
 * GetAccessKeyLastUsed (GetAccessKeyLastUsedResponse: UserName, AccessKeyLastUsed = LastUsedDate (absent when never
 * used), ServiceName and Region, both "N/A" then). The model lists no errors: a key not of the caller's account is
 * refused as AccessDenied on "access key <id>", the way IAM answers for a key it will not describe.
 */
const getAccessKeyLastUsed: ActionHandler = (context) => {
  const id = accessKeyIdParam(context.params);
  const key = context.identities.accessKey(id);
  if (!key || key.user.account !== callerAccount(context.caller)) {
    throw denied(
      context,
      'GetAccessKeyLastUsed',
      `access key ${id}`,
      'because no identity-based policy allows the iam:GetAccessKeyLastUsed action',
    );
  }
  authorizeKeys(context, 'GetAccessKeyLastUsed', key.user);
  const used = key.lastUsed;
  return (
    leaf('UserName', key.user.name) +
    el(
      'AccessKeyLastUsed',
      used ? leaf('LastUsedDate', isoSeconds(used.atMs)) : undefined,
      leaf('ServiceName', used?.service ?? 'N/A'),
      leaf('Region', used?.region ?? 'N/A'),
    )
  );
};

const attachUserPolicy: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'AttachUserPolicy', user);
  const policyArn = requiredParam(context.params, 'PolicyArn');
  if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+$/.test(policyArn)) throw new AwsError(400, 'InvalidInput', `ARN ${policyArn} is not valid.`);
  user.attachedPolicies.add(policyArn);
  return undefined;
};

const detachUserPolicy: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'DetachUserPolicy', user);
  const policyArn = requiredParam(context.params, 'PolicyArn');
  if (!user.attachedPolicies.delete(policyArn)) throw noSuchEntity(`Policy ${policyArn} was not found.`);
  return undefined;
};

const attachedPoliciesXml = (arns: Iterable<string>, params: URLSearchParams): string => {
  const { page, tail } = pageOf([...arns].sort(), (arn) => arn, params);
  return el('AttachedPolicies', members(page.map((arn) => leaf('PolicyName', arn.split('/').pop()) + leaf('PolicyArn', arn)))) + tail;
};

const policyNamesXml = (names: Iterable<string>, params: URLSearchParams): string => {
  const { page, tail } = pageOf([...names].sort(), (name) => name, params);
  return el('PolicyNames', members(page.map((name) => escapeXml(name)))) + tail;
};

const listAttachedUserPolicies: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeRead(context, 'ListAttachedUserPolicies', userResource(user));
  return attachedPoliciesXml(user.attachedPolicies, context.params);
};

const putUserPolicy: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'PutUserPolicy', user);
  const name = nameParam(context.params, 'PolicyName', 1, 128);
  const document = requiredParam(context.params, 'PolicyDocument');
  try {
    JSON.parse(document);
  } catch {
    throw new AwsError(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  user.inlinePolicies.set(name, document);
  return undefined;
};

const deleteUserPolicy: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'DeleteUserPolicy', user);
  const name = requiredParam(context.params, 'PolicyName');
  if (!user.inlinePolicies.delete(name)) throw noSuchEntity(`The user policy with name ${name} cannot be found.`);
  return undefined;
};

const listUserPolicies: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeRead(context, 'ListUserPolicies', userResource(user));
  return policyNamesXml(user.inlinePolicies.keys(), context.params);
};

const getUserPolicy: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeRead(context, 'GetUserPolicy', userResource(user));
  const name = nameParam(context.params, 'PolicyName', 1, 128);
  const document = user.inlinePolicies.get(name);
  if (document === undefined) throw noSuchEntity(`The user policy with name ${name} cannot be found.`);
  // IAM returns policy documents URL-encoded (RFC 3986); the SDK hands them on as they are.
  return leaf('UserName', user.name) + leaf('PolicyName', name) + leaf('PolicyDocument', encodeURIComponent(document));
};

interface GroupRecord {
  name: string;
  path: string;
  arn: string;
  world?: WorldGroup;
}

/** A group of the caller's account: from the world, or a name AddUserToGroup gave some user (no policies then). */
function groupRecord(context: ActionContext, name: string): GroupRecord | undefined {
  const account = callerAccount(context.caller);
  const world = findGroup(context.world, account, name);
  const path = world?.path ?? '/';
  const record = { name, path, arn: `arn:aws:iam::${account}:group${path}${name}`, world };
  if (world) return record;
  const users = context.world.accounts.find((a) => a.id === account)?.users ?? [];
  const known = users.some((u) => context.identities.getUser(account, u.name)?.groups.has(name));
  return known ? record : undefined;
}

function targetGroup(context: ActionContext, action: string): GroupRecord {
  const name = nameParam(context.params, 'GroupName', 1, 128);
  const group = groupRecord(context, name);
  // IAM checks the permission before it looks the group up, so a caller learns nothing about groups it may not read.
  authorizeRead(context, action, {
    arn: group?.arn ?? `arn:aws:iam::${callerAccount(context.caller)}:group/${name}`,
    shown: `group ${name}`,
  });
  if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return group;
}

const groupXml = (group: GroupRecord): string =>
  leaf('Path', group.path) +
  leaf('GroupName', group.name) +
  leaf('GroupId', uniqueId('AGPA', group.arn)) +
  leaf('Arn', group.arn) +
  leaf('CreateDate', isoSeconds(WORLD_CREATE_DATE.getTime()));

const listGroupsForUser: ActionHandler = (context) => {
  const user = targetUser(context);
  authorizeRead(context, 'ListGroupsForUser', userResource(user));
  const groups = [...user.groups]
    .sort()
    .map((name) => groupRecord(context, name) ?? { name, path: '/', arn: `arn:aws:iam::${user.account}:group/${name}` });
  const { page, tail } = pageOf(groups, (g) => g.name, context.params);
  return el('Groups', members(page.map(groupXml))) + tail;
};

const listGroupPolicies: ActionHandler = (context) => {
  const group = targetGroup(context, 'ListGroupPolicies');
  return policyNamesXml(Object.keys(group.world?.inlinePolicies ?? {}), context.params);
};

const getGroupPolicy: ActionHandler = (context) => {
  const group = targetGroup(context, 'GetGroupPolicy');
  const name = nameParam(context.params, 'PolicyName', 1, 128);
  const document = group.world?.inlinePolicies?.[name];
  if (!document) throw noSuchEntity(`The group policy with name ${name} cannot be found.`);
  return (
    leaf('GroupName', group.name) + leaf('PolicyName', name) + leaf('PolicyDocument', encodeURIComponent(JSON.stringify(document, null, 2)))
  );
};

const listAttachedGroupPolicies: ActionHandler = (context) => {
  const group = targetGroup(context, 'ListAttachedGroupPolicies');
  return attachedPoliciesXml(group.world?.managedPolicyArns ?? [], context.params);
};

/** Managed policies: versions v1…vN, the newest (the world's `document`) being the default. */
function policyVersions(policy: WorldManagedPolicy): PolicyDocument[] {
  return [...(policy.previousVersions ?? []), policy.document];
}

function targetPolicy(context: ActionContext, action: string): { arn: string; policy: WorldManagedPolicy } {
  const arn = requiredParam(context.params, 'PolicyArn');
  if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+$/.test(arn)) throw new AwsError(400, 'InvalidInput', `ARN ${arn} is not valid.`);
  authorizeRead(context, action, { arn, shown: `policy ${arn}` });
  const policy = findManagedPolicy(context.world, arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return { arn, policy };
}

/** How many users and groups of the world have the policy attached. */
function attachmentCount(context: ActionContext, arn: string): number {
  const accounts = context.world.accounts;
  const users = accounts
    .flatMap((a) => a.users.map((u) => context.identities.getUser(a.id, u.name)))
    .filter((u) => u?.attachedPolicies.has(arn));
  const groups = accounts.flatMap((a) => a.groups ?? []).filter((g) => g.managedPolicyArns?.includes(arn));
  return users.length + groups.length;
}

const getPolicy: ActionHandler = (context) => {
  const { arn, policy } = targetPolicy(context, 'GetPolicy');
  const created = isoSeconds(WORLD_CREATE_DATE.getTime());
  return el(
    'Policy',
    leaf('PolicyName', policy.name),
    leaf('DefaultVersionId', `v${policyVersions(policy).length}`),
    leaf('PolicyId', uniqueId('ANPA', arn)),
    leaf('Path', policy.path ?? '/'),
    leaf('Arn', arn),
    leaf('AttachmentCount', attachmentCount(context, arn)),
    leaf('PermissionsBoundaryUsageCount', 0),
    leaf('IsAttachable', true),
    leaf('Description', policy.description),
    leaf('CreateDate', created),
    leaf('UpdateDate', created),
  );
};

const getPolicyVersion: ActionHandler = (context) => {
  const { arn, policy } = targetPolicy(context, 'GetPolicyVersion');
  const versionId = requiredParam(context.params, 'VersionId');
  const versions = policyVersions(policy);
  const index = /^v[1-9]\d*$/.test(versionId) ? Number(versionId.slice(1)) - 1 : -1;
  const document = versions[index];
  if (!document) throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
  return el(
    'PolicyVersion',
    leaf('Document', encodeURIComponent(JSON.stringify(document, null, 2))),
    leaf('VersionId', versionId),
    leaf('IsDefaultVersion', index === versions.length - 1),
    leaf('CreateDate', isoSeconds(WORLD_CREATE_DATE.getTime())),
  );
};

/** Groups are not modelled: any name is accepted and remembered on the user so DeleteUser can insist on removal. */
function groupMembership(action: 'AddUserToGroup' | 'RemoveUserFromGroup'): ActionHandler {
  return (context) => {
    const user = targetUser(context);
    authorize(context, action, user);
    const group = nameParam(context.params, 'GroupName', 1, 128);
    if (action === 'AddUserToGroup') user.groups.add(group);
    else user.groups.delete(group);
    return undefined;
  };
}

export const iamActions: Record<string, ActionHandler> = {
  ListRoles: listRoles,
  GetRole: getRole,
  GetUser: getUser,
  CreateUser: createUser,
  DeleteUser: deleteUser,
  CreateAccessKey: createAccessKey,
  DeleteAccessKey: deleteAccessKey,
  ListAccessKeys: listAccessKeys,
  UpdateAccessKey: updateAccessKey,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
  AttachUserPolicy: attachUserPolicy,
  DetachUserPolicy: detachUserPolicy,
  ListAttachedUserPolicies: listAttachedUserPolicies,
  PutUserPolicy: putUserPolicy,
  DeleteUserPolicy: deleteUserPolicy,
  ListUserPolicies: listUserPolicies,
  GetUserPolicy: getUserPolicy,
  ListGroupsForUser: listGroupsForUser,
  ListGroupPolicies: listGroupPolicies,
  GetGroupPolicy: getGroupPolicy,
  ListAttachedGroupPolicies: listAttachedGroupPolicies,
  GetPolicy: getPolicy,
  GetPolicyVersion: getPolicyVersion,
  AddUserToGroup: groupMembership('AddUserToGroup'),
  RemoveUserFromGroup: groupMembership('RemoveUserFromGroup'),
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
};
