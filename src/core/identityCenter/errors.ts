// Identity Center SDK errors → one sentence with a next step, branching on the error's name (the exception type
// the service sent, or the Node network code), never on its message; the message only goes into the log detail.
import { UserError } from '../userError';
import type { IdentityCenterInstance } from './instance';

type IdentityCenterAction =
  | 'RegisterClient'
  | 'StartDeviceAuthorization'
  | 'CreateToken'
  | 'RefreshToken'
  | 'ListAccounts'
  | 'ListAccountRoles'
  | 'GetRoleCredentials'
  | 'Logout';

export interface IdentityCenterCallContext {
  action: IdentityCenterAction;
  instance: IdentityCenterInstance;
  endpoint?: string;
  timeoutMs?: number;
  timedOut?: boolean;
  accountId?: string;
  roleName?: string;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: { code?: string };
}

const NETWORK = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'];
const SIGN_IN_AGAIN = "run 'Sign in to IAM Identity Center' again";

export function toIdentityCenterError(error: unknown, ctx: IdentityCenterCallContext): UserError {
  if (error instanceof UserError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = `${ctx.action} at ${ctx.endpoint ?? `region ${ctx.instance.region}`}: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`;
  const make = (message: string, code: string) => new UserError(message, code, detail);
  const where = ctx.endpoint ?? `IAM Identity Center in ${ctx.instance.region}`;
  const network = e.code ?? e.cause?.code;

  if (!ctx.timedOut && network && NETWORK.includes(network)) {
    return make(
      `Could not reach ${where} (${network}): check your network and the region of ${ctx.instance.startUrl}, then try again.`,
      network,
    );
  }
  if (ctx.timedOut || name === 'TimeoutError' || network === 'ETIMEDOUT') {
    const seconds = ctx.timeoutMs ? ` within ${Math.round(ctx.timeoutMs / 1000)} s` : '';
    return make(`${where} did not answer${seconds}: check your network, then try again.`, 'Timeout');
  }
  switch (name) {
    case 'AbortError':
      return make('Cancelled.', 'Cancelled');
    case 'ExpiredTokenException':
      return make(
        `The sign-in code expired before it was approved: ${SIGN_IN_AGAIN} and approve it within the time shown.`,
        'SsoDeviceCodeExpired',
      );
    case 'AccessDeniedException':
      return make(`The sign-in request was denied in the browser: ${SIGN_IN_AGAIN} and press Allow.`, 'SsoAccessDenied');
    case 'InvalidGrantException':
    case 'UnauthorizedException':
      return make(
        `Your IAM Identity Center sign-in for ${ctx.instance.startUrl} has expired or was revoked: ${SIGN_IN_AGAIN}.`,
        'SsoTokenExpired',
      );
    case 'InvalidClientException':
    case 'UnauthorizedClientException':
      return make(`IAM Identity Center no longer accepts this app's registration: ${SIGN_IN_AGAIN}.`, 'SsoClientInvalid');
    case 'InvalidScopeException':
      return make(
        `IAM Identity Center at ${ctx.instance.startUrl} does not grant the access-portal scope this sign-in asks for (sso:account:access): ask your administrator to allow it for the instance, then ${SIGN_IN_AGAIN}.`,
        'SsoInvalidScope',
      );
    case 'InvalidRequestException':
      return make(
        `IAM Identity Center in ${ctx.instance.region} rejected ${ctx.action} for ${ctx.instance.startUrl}: check the start URL and its region.`,
        'SsoInvalidRequest',
      );
    case 'ForbiddenException':
    case 'ResourceNotFoundException':
      return make(
        `You do not have ${ctx.roleName ?? 'that permission set'} in account ${ctx.accountId ?? '?'} (any more): refresh the IAM Identity Center accounts or ask your administrator.`,
        'SsoRoleNotAssigned',
      );
    case 'TooManyRequestsException':
    case 'SlowDownException':
      return make('IAM Identity Center is throttling requests even after retries: wait a minute, then try again.', 'SsoThrottled');
    default:
      return make(`${ctx.action} failed for ${ctx.instance.startUrl}: ${name}. See the IAM Switchboard log for details.`, name);
  }
}
