// Organizations ListAccounts in the JSON 1.1 protocol (POST /, X-Amz-Target AWSOrganizationsV20161128.<Action>):
// the world's accounts form one organization, managed by the first, except those marked `inOrganization: false`.
// As at AWS (botocore organizations model, ListAccounts: "This operation can be called only from the
// organization's management account or by a member account that is a delegated administrator"), a caller in an
// account outside the organization gets AWSOrganizationsNotInUseException, one in a member account that is not a
// delegated administrator gets AccessDeniedException, and otherwise the caller's identity policies must allow
// organizations:ListAccounts. Accounts carry `State` (the model retires `Status` on September 9, 2026), and a
// page can come back empty with a NextToken, which clients must follow.
import type { ActionContext } from './actions';
import { callerPolicies } from './iam';
import { callerAccount, callerArn, callerUser } from './identities';
import { evaluate } from './policy';
import { type World, type WorldAccount, WORLD_CREATE_DATE, findAccount } from './world';

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';

/** A JSON-protocol error: the SDK reads the code from __type and the text from Message. */
export class JsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export type JsonAction = (context: Omit<ActionContext, 'params'>, input: Record<string, unknown>) => unknown;

const ORGANIZATION_ID = 'o-local00001';

/** NextTokens are opaque to clients; this one names the first account of the next page. */
const encodeToken = (id: string): string => Buffer.from(JSON.stringify({ next: id })).toString('base64');

function decodeToken(token: unknown): string {
  try {
    const next = (JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { next?: unknown }).next;
    if (typeof next === 'string') return next;
  } catch {
    // falls through to AWS's error
  }
  throw new JsonError(400, 'InvalidInputException', 'You specified an invalid value for nextToken.');
}

function maxResults(value: unknown): number {
  if (value === undefined || value === null) return 20;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 20) {
    throw new JsonError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 20`,
    );
  }
  return value as number;
}

function authorizeList(context: Omit<ActionContext, 'params'>, action: string): void {
  const { caller, world } = context;
  const account = findAccount(world, callerAccount(caller));
  if (!account || !inOrganization(account)) {
    throw new JsonError(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
  if (account !== managementAccount(world) && account.delegatedAdministrator !== true) {
    throw new JsonError(400, 'AccessDeniedException', "You don't have permissions to access this resource.");
  }
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  const userName = usesUserKeys ? callerUser(caller)?.name : undefined;
  const decision = evaluate(callerPolicies({ ...context, params: new URLSearchParams() }), {
    action: `organizations:${action}`,
    resource: '*',
    userName,
  });
  if (decision === 'allow') return;
  throw new JsonError(
    400,
    'AccessDeniedException',
    `You don't have permissions to access this resource. User: ${callerArn(caller)} is not authorized to perform: organizations:${action}`,
  );
}

const inOrganization = (account: WorldAccount): boolean => account.inOrganization !== false;
const managementAccount = (world: World): WorldAccount | undefined => world.accounts.find(inOrganization);

const listAccounts: JsonAction = (context, input) => {
  authorizeList(context, 'ListAccounts');
  const accounts = context.world.accounts.filter(inOrganization);
  const size = maxResults(input.MaxResults);
  const token = input.NextToken === undefined ? undefined : decodeToken(input.NextToken);
  // An empty first page with a NextToken, as AWS may send: the token names the first account.
  if (token === undefined && context.world.organizationEmptyFirstPage && accounts.length > 0) {
    return { Accounts: [], NextToken: encodeToken(accounts[0].id) };
  }
  const start = token === undefined ? 0 : accounts.findIndex((a) => a.id === token);
  if (start < 0) throw new JsonError(400, 'InvalidInputException', 'You specified an invalid value for nextToken.');
  const page = accounts.slice(start, start + size);
  const next = accounts[start + size];
  const management = accounts[0]?.id;
  return {
    Accounts: page.map((a) => ({
      Id: a.id,
      Arn: `arn:aws:organizations::${management}:account/${ORGANIZATION_ID}/${a.id}`,
      Email: `${a.alias}@example.com`,
      Name: a.name ?? a.alias,
      State: 'ACTIVE',
      JoinedMethod: a.id === management ? 'CREATED' : 'INVITED',
      JoinedTimestamp: WORLD_CREATE_DATE.getTime() / 1000,
    })),
    ...(next ? { NextToken: encodeToken(next.id) } : {}),
  };
};

export const organizationsActions: Record<string, JsonAction> = { ListAccounts: listAccounts };
