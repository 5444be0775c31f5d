// The SSO portal API (ListAccounts, ListAccountRoles, GetRoleCredentials, Logout): a bearer token from the OIDC
// side in `x-amz-sso_bearer_token`, opaque page tokens, and role credentials that the local STS accepts because
// they are sessions of the permission set's reserved role, issued by the STS server's own identities.
import type { Identities } from '../aws/identities';
import { roleArn, uniqueId } from '../aws/world';
import { portal } from './http';
import type { OidcState, TokenRecord } from './oidc';
import { type SsoUser, type SsoWorld, reservedRoleName } from './world';

export interface PortalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  bearer: string | undefined;
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const ROLE_SESSION_SECONDS = 3600;
const RESERVED_PATH = '/aws-reserved/sso.amazonaws.com/';

function page<T>(items: T[], query: URLSearchParams): { items: T[]; nextToken?: string } {
  const max = query.has('max_result') ? Number(query.get('max_result')) : DEFAULT_PAGE;
  if (!Number.isInteger(max) || max < 1) throw portal.invalidRequest('maxResults must be a positive integer');
  // The sso model's MaxResultType is 1..100, and the portal refuses more rather than capping.
  if (max > MAX_PAGE) {
    throw portal.invalidRequest(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_PAGE}`,
    );
  }
  const start = query.has('next_token') ? decodeToken(query.get('next_token')!) : 0;
  const end = start + max;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(JSON.stringify({ o: end })).toString('base64url') : undefined,
  };
}

function decodeToken(token: string): number {
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through
  }
  throw portal.invalidRequest('Invalid next token');
}

export class Portal {
  private readonly users: Map<string, SsoUser>;

  constructor(
    private readonly world: SsoWorld,
    private readonly state: OidcState,
    private readonly identities: Identities,
  ) {
    this.users = new Map(world.users.map((u) => [u.userName, u]));
  }

  /** The JSON body to answer with (null: an empty one), or undefined for an unknown path. Throws SsoError. */
  handle(req: PortalRequest): unknown {
    const route = `${req.method} ${req.path}`;
    if (!['GET /assignment/accounts', 'GET /assignment/roles', 'GET /federation/credentials', 'POST /logout'].includes(route)) {
      return undefined;
    }
    const token = req.bearer === undefined ? undefined : this.state.tokenFor(req.bearer);
    if (!token) throw portal.unauthorized();
    const user = this.users.get(token.userName)!;
    switch (route) {
      case 'GET /assignment/accounts':
        return this.listAccounts(user, req.query);
      case 'GET /assignment/roles':
        return this.listAccountRoles(user, req.query);
      case 'GET /federation/credentials':
        return this.getRoleCredentials(user, req.query);
      default:
        return this.logout(token);
    }
  }

  private listAccounts(user: SsoUser, query: URLSearchParams) {
    const assigned = this.world.accounts.filter((a) => user.assignments[a.accountId]?.length);
    const { items, nextToken } = page(assigned, query);
    return { accountList: items, nextToken };
  }

  private listAccountRoles(user: SsoUser, query: URLSearchParams) {
    const accountId = query.get('account_id');
    if (!accountId) throw portal.invalidRequest('accountId is required');
    const roles = (user.assignments[accountId] ?? []).map((roleName) => ({ roleName, accountId }));
    const { items, nextToken } = page(roles, query);
    return { roleList: items, nextToken };
  }

  private getRoleCredentials(user: SsoUser, query: URLSearchParams) {
    const accountId = query.get('account_id');
    const permissionSet = query.get('role_name');
    if (!accountId || !permissionSet) throw portal.invalidRequest('roleName and accountId are required');
    if (!user.assignments[accountId]?.includes(permissionSet)) throw portal.forbidden();
    const name = reservedRoleName(permissionSet);
    const arnOfRole = roleArn(accountId, name, RESERVED_PATH);
    const session = this.identities.issueSession({
      kind: 'assumed-role',
      expiresAtMs: this.identities.now() + ROLE_SESSION_SECONDS * 1000,
      account: accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${name}/${user.userName}`,
      userId: `${uniqueId('AROA', arnOfRole)}:${user.userName}`,
      role: {
        arn: arnOfRole,
        // A permission set is the AWS managed policy of its name here, so chaining on from it is judged by that.
        role: {
          name,
          path: RESERVED_PATH,
          maxSessionDuration: ROLE_SESSION_SECONDS,
          trustPolicy: { Statement: [] },
          policyArns: [`arn:aws:iam::aws:policy/${permissionSet}`],
        },
      },
      sessionName: user.userName,
      mfa: true,
      chained: false,
    });
    return {
      roleCredentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiration: session.expiresAtMs,
      },
    };
  }

  private logout(token: TokenRecord) {
    this.state.endSession(token.sessionId);
    return null; // AWS answers 200 with an empty body
  }
}
