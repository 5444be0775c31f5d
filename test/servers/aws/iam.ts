// IAM actions: reading roles and users in the caller's account, and the user/key/policy management a Vault AWS
// secrets engine performs (allowed only to users marked iamAdmin in the world).
import { type ActionContext, type ActionHandler, integerParam, listParam, nameParam, requiredParam } from './actions';
import { AwsError, accessDenied, noSuchEntity } from './errors';
import { type UserRecord, callerAccount, callerArn, callerUser } from './identities';
import { WORLD_CREATE_DATE, type WorldRole, roleArn, uniqueId, userArn } from './world';
import { el, isoSeconds, leaf, members } from './xml';

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
      ? el('PermissionsBoundary', leaf('PermissionsBoundaryType', 'PermissionsBoundaryPolicy'), leaf('PermissionsBoundaryArn', user.permissionsBoundary))
      : undefined,
    user.tags.length > 0 ? el('Tags', members(user.tags.map((t) => leaf('Key', t.Key) + leaf('Value', t.Value)))) : undefined,
  ].join('');
}

function rolesOfCaller({ caller, world }: ActionContext): WorldRole[] {
  const account = world.accounts.find((a) => a.id === callerAccount(caller));
  return account?.roles ?? [];
}

/** Markers are opaque to clients; this one names the first role of the next page. */
const encodeMarker = (roleName: string): string => Buffer.from(JSON.stringify({ next: roleName })).toString('base64');

function decodeMarker(marker: string): string {
  try {
    const next = (JSON.parse(Buffer.from(marker, 'base64').toString('utf8')) as { next?: unknown }).next;
    if (typeof next === 'string') return next;
  } catch {
    // fall through to AWS's error
  }
  throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
}

const listRoles: ActionHandler = (context) => {
  const { params, caller } = context;
  const prefix = params.get('PathPrefix') ?? '/';
  const maxItems = integerParam(params, 'MaxItems', 100, 1, 1000);
  const roles = rolesOfCaller(context)
    .filter((r) => (r.path ?? '/').startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const marker = params.get('Marker');
  const start = marker === null ? 0 : roles.findIndex((r) => r.name === decodeMarker(marker));
  if (start < 0) throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
  const page = roles.slice(start, start + maxItems);
  const next = roles[start + maxItems];
  const account = callerAccount(caller);
  return [
    el('Roles', members(page.map((r) => roleXml(account, r)))),
    leaf('IsTruncated', next !== undefined),
    next ? leaf('Marker', encodeMarker(next.name)) : undefined,
  ].join('');
};

const getRole: ActionHandler = (context) => {
  const name = nameParam(context.params, 'RoleName', 1, 64);
  const role = rolesOfCaller(context).find((r) => r.name === name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return el('Role', roleXml(callerAccount(context.caller), role));
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

/** Only world users marked iamAdmin manage users; a user may always read about itself. */
function authorize({ caller }: ActionContext, action: string, target: { arn: string } | UserRecord, readOnly = false): void {
  const self = callerUser(caller);
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  if (usesUserKeys && self?.iamAdmin) return;
  if (readOnly && usesUserKeys && self === target) return;
  throw accessDenied(callerArn(caller), `iam:${action}`, target.arn);
}

const getUser: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'GetUser', user, true);
  return el('User', userXml(user));
};

const createUser: ActionHandler = (context) => {
  const { params, identities, caller } = context;
  const name = nameParam(params, 'UserName', 1, 64, USER_NAME);
  const path = params.get('Path') ?? '/';
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) throw new AwsError(400, 'ValidationError', `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
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

const createAccessKey: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'CreateAccessKey', user);
  if (context.identities.accessKeysOf(user).length >= 2) {
    throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
  }
  const key = context.identities.createAccessKey(user);
  return el(
    'AccessKey',
    leaf('UserName', user.name),
    leaf('AccessKeyId', key.accessKeyId),
    leaf('Status', 'Active'),
    leaf('SecretAccessKey', key.secretAccessKey),
    leaf('CreateDate', isoSeconds(key.createDate)),
  );
};

const deleteAccessKey: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'DeleteAccessKey', user);
  const id = requiredParam(context.params, 'AccessKeyId');
  if (!context.identities.accessKeysOf(user).some((k) => k.accessKeyId === id)) {
    throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  }
  context.identities.deleteAccessKey(id);
  return undefined;
};

const listAccessKeys: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'ListAccessKeys', user, true);
  const keys = context.identities.accessKeysOf(user).map((k) =>
    leaf('UserName', user.name) + leaf('AccessKeyId', k.accessKeyId) + leaf('Status', 'Active') + leaf('CreateDate', isoSeconds(k.createDate)),
  );
  return el('AccessKeyMetadata', members(keys)) + leaf('IsTruncated', false);
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

const listAttachedUserPolicies: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'ListAttachedUserPolicies', user, true);
  const policies = [...user.attachedPolicies].map((arn) => leaf('PolicyName', arn.split('/').pop()) + leaf('PolicyArn', arn));
  return el('AttachedPolicies', members(policies)) + leaf('IsTruncated', false);
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
  authorize(context, 'ListUserPolicies', user, true);
  return el('PolicyNames', members([...user.inlinePolicies.keys()].map((n) => n))) + leaf('IsTruncated', false);
};

const listGroupsForUser: ActionHandler = (context) => {
  const user = targetUser(context);
  authorize(context, 'ListGroupsForUser', user, true);
  const groups = [...user.groups].map((name) => {
    const arn = `arn:aws:iam::${user.account}:group/${name}`;
    return leaf('Path', '/') + leaf('GroupName', name) + leaf('GroupId', uniqueId('AGPA', arn)) + leaf('Arn', arn) + leaf('CreateDate', isoSeconds(WORLD_CREATE_DATE.getTime()));
  });
  return el('Groups', members(groups)) + leaf('IsTruncated', false);
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
  AttachUserPolicy: attachUserPolicy,
  DetachUserPolicy: detachUserPolicy,
  ListAttachedUserPolicies: listAttachedUserPolicies,
  PutUserPolicy: putUserPolicy,
  DeleteUserPolicy: deleteUserPolicy,
  ListUserPolicies: listUserPolicies,
  ListGroupsForUser: listGroupsForUser,
  AddUserToGroup: groupMembership('AddUserToGroup'),
  RemoveUserFromGroup: groupMembership('RemoveUserFromGroup'),
};
